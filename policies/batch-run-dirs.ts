/**
 * `{batchRunDirs}`: the run dirs of a batch's sleeves, as a combine step
 * (`finalize` in the manifest) sees them.
 *
 * It is not a string but a set of directories, known only when the batch is
 * planned. Binding turns each rule that names it into one rule per run dir
 * (`{batchRunDirs}/**` -> `runs/<id1>/**`, `runs/<id2>/**`, ...), with the
 * origin of the rule as written, so everything downstream (the engine, Node's
 * permission flags, the OS layer's read-only mounts, lint, reports) sees plain
 * rules naming exactly this batch's run dirs: never an earlier batch's, never
 * another runner's. With no run ids (any step but a combine step, or a
 * command that checks a policy outside a batch) such a rule covers nothing:
 * an allow grants nothing, a deny refuses nothing that the rule could name.
 *
 * Where it may appear is decided at load time (patterns.ts, schema.ts):
 * first segment, once; read rules and write denies only. Pure.
 */
import { runDirOf } from './runs-dir.js';
import { BATCH_RUN_DIRS } from './patterns.js';
import type { AccessRules, FsOp, PatternRule, ResolvedPolicy, RuleOrigin } from './types.js';

/** The first rule that names `{batchRunDirs}`, or undefined. */
export function batchRunDirsRule(policy: ResolvedPolicy): { list: `fs.${FsOp}.${'allow' | 'deny'}`; pattern: string; origin: RuleOrigin } | undefined {
  for (const op of ['read', 'write'] as const) {
    for (const kind of ['allow', 'deny'] as const) {
      const rule = policy.fs[op][kind].find((r) => r.pattern.includes(BATCH_RUN_DIRS));
      if (rule) return { list: `fs.${op}.${kind}`, pattern: rule.pattern, origin: rule.origin };
    }
  }
  return undefined;
}

function bindList<R extends PatternRule>(rules: readonly R[], dirs: readonly string[]): R[] {
  return rules.flatMap((r) =>
    r.pattern.includes(BATCH_RUN_DIRS)
      ? dirs.map((d) => ({ ...r, pattern: d + r.pattern.slice(BATCH_RUN_DIRS.length), written: r.written ?? r.pattern }))
      : [r],
  );
}

/**
 * The policy with `{batchRunDirs}` bound to `<runsDir>/<id>` for each run id
 * (workspace-relative, "/"). The same object when no rule names it.
 */
export function bindBatchRunDirs(policy: ResolvedPolicy, runsDir: string, runIds: readonly string[]): ResolvedPolicy {
  if (batchRunDirsRule(policy) === undefined) return policy;
  const dirs = runIds.map((id) => runDirOf(runsDir, id));
  const bind = (rules: AccessRules): AccessRules => ({ allow: bindList(rules.allow, dirs), deny: bindList(rules.deny, dirs) });
  return { ...policy, fs: { read: bind(policy.fs.read), write: bind(policy.fs.write) } };
}
