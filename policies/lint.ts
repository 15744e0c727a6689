/**
 * Risk warnings for a policy that loads. Each warning has a stable id; a
 * policy file may acknowledge ids it means (`"acknowledge": [...]`), which is
 * reviewed in the pull request like the rest of the file.
 */
import picomatch from 'picomatch';
import { shadowedBuiltin } from './builtin.js';
import type { Diagnostic } from './errors.js';
import { formatJsonPath } from './json-source.js';
import type { LoadedPolicy } from './loader.js';
import { unenforceableDenies } from './os-layer.js';
import { expandVariables, isGlob, isWithin, patternBase } from './patterns.js';
import { DEFAULT_RUNS_DIR, runDirOf } from './runs-dir.js';
import type { ACKNOWLEDGEABLE } from './schema.js';
import type { FsOp, PatternRule, RuleOrigin } from './types.js';

export const LINT_RULES: Readonly<Record<LintRuleId, string>> = Object.freeze({
  'write-outside-runs': 'a write grant outside runs/: sleeves can change shared files',
  'root-globstar': '"**" at the workspace root grants the whole workspace',
  'absolute-path': 'an absolute path ties the policy to one machine and reaches outside the workspace',
  'dead-deny': 'a deny that no allow rule can reach never changes a decision',
  'dead-allow': 'an allow that a deny covers entirely never allows anything',
  'env-pass-all': 'passing every parent variable leaks settings between jobs',
  'process-escape': 'child processes, workers or addons run outside the JS guard',
  'duplicate-key': 'a key given twice: JSON keeps only the last one',
  'os-layer-unenforced': 'a deny rule the kernel (OS layer) cannot hold: it may match paths in a writable area',
  'shadows-builtin': 'a workspace policy named like a built-in replaces it for every run and extends in this workspace',
});

export type LintRuleId = (typeof ACKNOWLEDGEABLE)[number];
export const LINT_RULE_IDS = Object.freeze(Object.keys(LINT_RULES) as LintRuleId[]);

export interface LintWarning extends Diagnostic {
  rule: LintRuleId;
}

const sampleVars = (runsDir: string) => ({ runDir: runDirOf(runsDir, '__run__'), runId: '__run__', batchRunDirs: runDirOf(runsDir, '__batch__') });

/** Might some path match both patterns? Conservative: true when unsure. */
export function mayOverlap(a: string, b: string): boolean {
  const ba = patternBase(a);
  const bb = patternBase(b);
  if (!isWithin(ba, bb) && !isWithin(bb, ba)) return false;
  if (!isGlob(a) && !isGlob(b)) return a === b;
  if (!isGlob(a)) return picomatch(b, { dot: true })(a);
  if (!isGlob(b)) return picomatch(a, { dot: true })(b);
  return true;
}

/** Does deny pattern `d` match everything allow pattern `a` can match? Exact when it answers true. */
function covers(d: string, a: string): boolean {
  if (d === a) return true;
  if (!isGlob(a)) return picomatch(d, { dot: true })(a);
  if (d === '**') return true;
  if (d.endsWith('/**') && !isGlob(d.slice(0, -3))) return isWithin(patternBase(a), d.slice(0, -3));
  return false;
}

/** `runsDir`: the run root `{runDir}` lies in (default `runs`); a write grant outside it is warned about. */
export function lintPolicy(loaded: LoadedPolicy, opts: { runsDir?: string } = {}): LintWarning[] {
  const top = loaded.files[0];
  if (!top) return [];
  const runsDir = opts.runsDir ?? DEFAULT_RUNS_DIR;
  const sample = sampleVars(runsDir);
  const expanded = (rule: PatternRule) => expandVariables(rule.pattern, sample);
  const file = top.source.file;
  const acknowledged = new Set<string>(top.policy.acknowledge ?? []);
  const warnings: LintWarning[] = [];
  const warn = (rule: LintRuleId, at: RuleOrigin | { line: number; column: number; jsonPath: string }, message: string) => {
    if (acknowledged.has(rule)) return;
    if ('file' in at && at.file !== file) return; // inherited: lint the base file itself
    warnings.push({ file, line: at.line, column: at.column, jsonPath: at.jsonPath, level: 'warning', rule, message: `${message} [${rule}]` });
  };
  const here = (jsonPath: Array<string | number>) => ({ ...top.json.locate(jsonPath), jsonPath: formatJsonPath(jsonPath) });
  const { policy } = loaded;

  for (const dup of top.json.duplicateKeys) {
    warn('duplicate-key', { line: dup.line, column: dup.column, jsonPath: formatJsonPath(dup.path) }, `key given twice; only the last value counts`);
  }
  for (const op of ['read', 'write'] as FsOp[]) {
    const { allow, deny } = policy.fs[op];
    for (const rule of allow) {
      const p = expanded(rule);
      if (p.startsWith('/')) warn('absolute-path', rule.origin, `absolute path ${JSON.stringify(rule.pattern)}: prefer a workspace-relative pattern`);
      if (p.startsWith('**'))
        warn('root-globstar', rule.origin, `${JSON.stringify(rule.pattern)} grants ${op} of the whole workspace; name the directories instead`);
      if (op === 'write' && !p.startsWith('/') && !isWithin(patternBase(p), runsDir)) {
        warn(
          'write-outside-runs',
          rule.origin,
          `write grant ${JSON.stringify(rule.pattern)} lies outside ${runsDir}/: parallel sleeves could overwrite shared files`,
        );
      }
      const killer = deny.find((d) => covers(expanded(d), p));
      if (killer) {
        warn(
          'dead-allow',
          rule.origin,
          `allow ${JSON.stringify(rule.pattern)} is covered by deny ${JSON.stringify(killer.pattern)} (deny always wins), so it allows nothing`,
        );
      }
    }
    for (const rule of deny) {
      const p = expanded(rule);
      if (p.startsWith('/')) warn('absolute-path', rule.origin, `absolute path ${JSON.stringify(rule.pattern)}: prefer a workspace-relative pattern`);
      if (!allow.some((a) => mayOverlap(expanded(a), p))) {
        warn('dead-deny', rule.origin, `deny ${JSON.stringify(rule.pattern)} can never match: no fs.${op}.allow rule reaches it, so it is denied anyway`);
      }
    }
  }
  for (const u of unenforceableDenies(policy, runsDir)) {
    warn('os-layer-unenforced', u.origin, `${u.list} ${JSON.stringify(u.pattern)} is not enforced by the OS layer: ${u.why}`);
  }
  for (const [i, f] of loaded.files.entries()) {
    const name = shadowedBuiltin(f.source);
    if (name === undefined) continue;
    const what = i === 0 ? 'this file' : `its base ${f.source.file}`;
    warn(
      'shadows-builtin',
      here(i === 0 ? [] : ['extends']),
      `${what} shadows the built-in policy "${name}": every --policy ${name} and "extends": "${name}" in this workspace gets the workspace file; rename it, or acknowledge it if that is meant`,
    );
  }
  const pass = top.policy.env?.pass ?? [];
  pass.forEach((name, i) => {
    if (name === '*') warn('env-pass-all', here(['env', 'pass', i]), 'env.pass "*" passes every parent variable; list the names the sleeve needs');
  });
  for (const key of ['childProcess', 'workers', 'addons'] as const) {
    if (top.policy.process?.[key]) {
      warn(
        'process-escape',
        here(['process', key]),
        key === 'addons'
          ? "process.addons is allowed: a native addon is machine code outside the JS fs guard, and Node's permission model does not confine it either; only the OS layer (--os-layer required) does, and only with it are the addon's writes in the run dir proven the sleeve's own"
          : `process.${key} is allowed: code run that way is outside the JS fs guard; only the Node and OS layers still apply`,
      );
    }
  }
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}
