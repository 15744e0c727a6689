/**
 * Accounting: every change the manifests show must be explained. A change is
 * permitted when the runner made it (run directories, logs), or when the
 * sleeve that owns the place reported a permitted write there through its
 * guard: a parallel sleeve only inside its own run dir, a prepare step where
 * its policy allows writes. Everything else is a violation, with the time
 * the watcher saw it and the sleeves running then.
 *
 * With the kernel: a sleeve that ran inside the OS layer was the only process
 * that could write its run dir (bound read-write into its sandbox alone), so a
 * change there that its guard did not report (a native addon's write, a
 * Python sleeve's files) is its own, when the watcher saw it while that
 * sandbox lived (or could not date it); the same for a prepare step (it runs
 * alone) and the places its policy lets it write. Without the OS layer the guard's
 * report is the only proof of authorship.
 */
import path from 'node:path';
import { compilePolicy } from '../../policies/engine.js';
import type { Sys } from '../../policies/sys.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import type { Change } from './scan.js';
import type { Violation } from './schema.js';

export interface AccountedSleeve {
  name: string;
  kind: 'prepare' | 'sleeve';
  runId: string;
  runDir: string;
  policy: ResolvedPolicy;
  writes: ReadonlySet<string>;
  /** It ran inside the OS layer: nothing else could write its run dir. */
  osLayer?: boolean;
  /** ms since the epoch; null when it never started. */
  startedMs: number | null;
  endedMs: number | null;
}

export interface AccountOptions {
  workspace: string;
  sleeves: readonly AccountedSleeve[];
  sys: Sys;
  firstSeen: (rel: string) => number | undefined;
  /** How far a watcher event may trail the write that caused it. */
  slackMs?: number;
  /** Run ids of other batches on the same workspace (from runs/.batches/): their run dirs are theirs. */
  otherBatchRunIds?: ReadonlySet<string>;
}

const within = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}/`);

export function accountChanges(changes: readonly Change[], opts: AccountOptions): Violation[] {
  const slack = opts.slackMs ?? 1500;
  const runDirs = new Map(opts.sleeves.map((s) => [path.relative(opts.workspace, s.runDir).split(path.sep).join('/'), s]));
  const engines = new Map(
    opts.sleeves
      .filter((s) => s.kind === 'prepare')
      .map((s) => [s.name, compilePolicy(s.policy, { workspace: opts.workspace, runId: s.runId, sys: opts.sys })]),
  );
  const others = opts.otherBatchRunIds ?? new Set<string>();
  const runnerOwned = (rel: string) => {
    if (rel === 'runs' || rel === 'runs/.batches' || rel.startsWith('runs/.batches/')) return true;
    const other = /^runs\/([^/]+)(?:\/.*)?$/.exec(rel);
    if (other && others.has(other[1] as string)) return true;
    if (runDirs.has(rel)) return true;
    const m = /^runs\/([^/]+)\/logs(?:\/.*)?$/.exec(rel);
    if (m !== null && runDirs.has(`runs/${m[1]}`)) return true;
    // The run's TMPDIR itself (what the sleeve puts in it is the sleeve's).
    const t = /^runs\/([^/]+)\/tmp$/.exec(rel);
    return t !== null && runDirs.has(`runs/${t[1]}`);
  };
  // A reported write explains the path itself, what lies below it (rm -r, cp)
  // and the directories above it (mkdir -p): index the latter once per sleeve.
  const aboveWrites = new Map<string, Set<string>>();
  for (const s of opts.sleeves) {
    const set = new Set<string>();
    for (const w of s.writes) {
      for (let d = path.dirname(w); d !== opts.workspace && d.length > opts.workspace.length && !set.has(d); d = path.dirname(d)) set.add(d);
    }
    aboveWrites.set(s.name, set);
  }
  const reportedBy = (s: AccountedSleeve, abs: string) => {
    if (s.writes.has(abs) || aboveWrites.get(s.name)?.has(abs)) return true;
    for (let d = path.dirname(abs); d.length > opts.workspace.length; d = path.dirname(d)) if (s.writes.has(d)) return true;
    return false;
  };
  const ran = opts.sleeves.filter((s) => s.startedMs !== null);
  // While its sandbox lived (or when the watcher could not date the change): after that nothing of it could write.
  const duringSleeve = (s: AccountedSleeve, seen: number | undefined) =>
    seen === undefined || ((s.startedMs as number) - slack <= seen && seen <= (s.endedMs ?? Number.POSITIVE_INFINITY) + slack);
  const violations: Violation[] = [];
  for (const c of changes) {
    if (runnerOwned(c.path)) continue;
    const abs = path.join(opts.workspace, c.path);
    const seen = opts.firstSeen(c.path);
    // Where it may write: a sleeve its run dir, a prepare step what its policy allows. Who wrote it: what its
    // guard reported, or, inside the OS layer (which made anything else impossible for it), whatever changed
    // there while its sandbox lived.
    const mayWrite = (s: AccountedSleeve) => (s.kind === 'sleeve' ? within(abs, s.runDir) : engines.get(s.name)?.decideResolved('write', abs).allowed === true);
    const wrote = (s: AccountedSleeve) => reportedBy(s, abs) || (s.osLayer === true && s.startedMs !== null && duringSleeve(s, seen));
    const explained = opts.sleeves.some((s) => mayWrite(s) && wrote(s));
    if (explained) continue;
    const owner = [...runDirs.entries()].find(([dir]) => within(c.path, dir))?.[1];
    const why = owner
      ? `changed in the run dir of ${owner.name}, which never reported writing it: another sleeve, or something that bypassed the guard`
      : 'outside every permitted zone: a sleeve may change only runs/<its run id>/**, a prepare step only what its policy lets it write';
    const suspects = ran.filter((s) => duringSleeve(s, seen)).map((s) => s.name);
    violations.push({
      path: c.path,
      change: c.change,
      before: c.before,
      after: c.after,
      time: seen === undefined ? null : new Date(seen).toISOString(),
      suspects,
      why,
    });
  }
  return violations;
}
