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
 *
 * What one reported write W explains, always only in a place where its
 * sleeve may write (the changed path itself must be in its zone):
 *  - W itself, whatever the change;
 *  - what lies below W (rm -r, cp -r, a renamed directory), whatever the change;
 *  - a directory above W only when that directory was added (mkdir -p) or its
 *    times alone moved the way adding or removing an entry moves them. A chmod
 *    or chown of it, its removal or its replacement (a new inode or type) needs
 *    a reported write of that directory itself.
 *
 * Linear, and bounded against a hostile sleeve: its `writes` (up to 1,000,000
 * paths of up to 4,096 characters) are only looked up, never expanded into
 * structures of their own. The one pass over them (the directories above each
 * write, for the third rule) looks only for the changed directories that
 * need it, stops when all are found, and stops at `limits.aboveChars` path
 * characters per sleeve: what it did not find by then is a violation that
 * says so, never explained.
 */
import path from 'node:path';
import { foldUp } from './fold-up.js';
import { compilePolicy } from '../../policies/engine.js';
import { DEFAULT_RUNS_DIR } from '../../policies/runs-dir.js';
import type { Sys } from '../../policies/sys.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import type { Change } from './scan.js';
import type { SleeveKind, Violation } from './schema.js';

export interface AccountedSleeve {
  name: string;
  kind: SleeveKind;
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

export interface AccountLimits {
  /**
   * Path characters one sleeve's walk over the directories above its
   * reported writes may look at (each step costs the length of the directory
   * plus 32). At the bound the walk stops: the directories it has not found
   * above a write are not explained.
   */
  aboveChars: number;
}

export const ACCOUNT_LIMITS: Readonly<AccountLimits> = Object.freeze({ aboveChars: 256 * 1024 * 1024 });

export interface AccountOptions {
  workspace: string;
  sleeves: readonly AccountedSleeve[];
  sys: Sys;
  firstSeen: (rel: string) => number | undefined;
  /** How far a watcher event may trail the write that caused it. */
  slackMs?: number;
  /** Run ids of other batches on the same workspace (from <runsDir>/.batches/): their run dirs are theirs. */
  otherBatchRunIds?: ReadonlySet<string>;
  /** Workspace-relative run root (default `runs`): it, the directories above it and its ledger are the runner's. */
  runsDir?: string;
  limits?: Partial<AccountLimits>;
}

export interface AccountResult {
  violations: Violation[];
  /** One line per bound the accounting hit (empty when none). */
  boundsHit: string[];
}

const within = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}/`);

/** What the accounting keeps per sleeve: bounded by the changes in its zone, never by its reports. */
interface SleeveIndex {
  s: AccountedSleeve;
  /** It may write there (the changed path, or a reported write). */
  mayWrite: (abs: string) => boolean;
  /** Where a reported write above a changed path still counts: its run dir (a sleeve), the workspace (a prepare step). */
  inWalk: (abs: string) => boolean;
  /** Directory -> it, or a directory above it, is a permitted write this sleeve reported. */
  covered: Map<string, boolean>;
  /** Changed directories waiting for a reported write below them -> found. */
  wanted: Map<string, boolean>;
  /** The walk stopped at its bound before it had found every wanted directory. */
  cut: boolean;
}

/** A change the above-rule may still explain, and the sleeves that may write there. */
interface Pending {
  at: number;
  change: Change;
  abs: string;
  candidates: SleeveIndex[];
}

/** A directory that appeared, or whose times moved only as an entry added or removed in it moves them. */
const madeByWriteBelow = (c: Change): boolean => c.after?.type === 'dir' && (c.change === 'added' || c.dirTimes === 'entries');

/** Whether `dir`, or a directory above it within the walk, is a permitted reported write (memoised per directory). */
function coveredAt(ix: SleeveIndex, dir: string): boolean {
  if (!ix.inWalk(dir)) return false;
  return foldUp(
    dir,
    ix.covered,
    (d) => {
      const up = path.dirname(d);
      return up !== d && ix.inWalk(up) ? up : undefined;
    },
    (d, above) => above || (ix.s.writes.has(d) && ix.mayWrite(d)),
    false,
  );
}

/**
 * One pass over a sleeve's reported writes, marking each wanted directory
 * that lies above one of them. A directory found has had every wanted
 * directory above it found in the same walk, so a walk stops there.
 */
function findAboveWrites(ix: SleeveIndex, maxChars: number): void {
  let remaining = ix.wanted.size;
  let minLen = Number.POSITIVE_INFINITY;
  for (const d of ix.wanted.keys()) minLen = Math.min(minLen, d.length);
  let budget = maxChars;
  for (const w of ix.s.writes) {
    if (remaining === 0) return;
    if (w.length <= minLen + 1) continue; // too short to lie below any wanted directory
    budget -= w.length + 32;
    if (budget < 0) {
      ix.cut = true;
      return;
    }
    if (path.posix.normalize(w) !== w) continue; // a spelling the guard never reports: "..", "//"
    let allowed: boolean | undefined;
    for (let d = path.posix.dirname(w); d.length >= minLen; d = path.posix.dirname(d)) {
      budget -= d.length + 32;
      if (budget < 0) {
        ix.cut = true;
        return;
      }
      const state = ix.wanted.get(d);
      if (state === true) break;
      if (state === false) {
        allowed ??= ix.mayWrite(w);
        if (!allowed) break;
        ix.wanted.set(d, true);
        remaining--;
      }
    }
  }
}

export function accountChanges(changes: readonly Change[], opts: AccountOptions): Violation[] {
  return accountChangesBounded(changes, opts).violations;
}

export function accountChangesBounded(changes: readonly Change[], opts: AccountOptions): AccountResult {
  const slack = opts.slackMs ?? 1500;
  const limits = { ...ACCOUNT_LIMITS, ...opts.limits };
  const ws = opts.workspace;
  const runDirs = new Map(opts.sleeves.map((s) => [path.relative(ws, s.runDir).split(path.sep).join('/'), s]));
  const others = opts.otherBatchRunIds ?? new Set<string>();
  const runsDir = opts.runsDir ?? DEFAULT_RUNS_DIR;
  const runnerOwned = (rel: string) => {
    // The run root and the directories the runner made above it (artifacts/summaries/runs: artifacts, artifacts/summaries).
    if (rel === runsDir || runsDir.startsWith(`${rel}/`)) return true;
    if (!rel.startsWith(`${runsDir}/`)) return false;
    const rest = rel.slice(runsDir.length + 1);
    if (rest === '.batches' || rest.startsWith('.batches/')) return true;
    const id = rest.split('/')[0] as string;
    if (others.has(id)) return true;
    if (runDirs.has(rel)) return true;
    if (!runDirs.has(`${runsDir}/${id}`)) return false;
    const below = rest.slice(id.length);
    // Its logs, and the run's TMPDIR itself (what the sleeve puts in it is the sleeve's).
    return below === '/logs' || below.startsWith('/logs/') || below === '/tmp';
  };
  // Where it may write: a sleeve and the combine step their run dir, a prepare step what its policy allows.
  const indexes: SleeveIndex[] = opts.sleeves.map((s) => {
    const base = { s, covered: new Map<string, boolean>(), wanted: new Map<string, boolean>(), cut: false };
    if (s.kind !== 'prepare') {
      const runDir = s.runDir;
      return { ...base, mayWrite: (abs: string) => within(abs, runDir), inWalk: (abs: string) => within(abs, runDir) };
    }
    const engine = compilePolicy(s.policy, { workspace: ws, runId: s.runId, runsDir, sys: opts.sys });
    return {
      ...base,
      mayWrite: (abs: string) => engine.decideResolved('write', abs).allowed === true,
      inWalk: (abs: string) => abs.length > ws.length + 1 && abs.startsWith(`${ws}/`),
    };
  });
  const ran = opts.sleeves.filter((s) => s.startedMs !== null);
  // While its sandbox lived (or when the watcher could not date the change): after that nothing of it could write.
  const duringSleeve = (s: AccountedSleeve, seen: number | undefined) =>
    seen === undefined || ((s.startedMs as number) - slack <= seen && seen <= (s.endedMs ?? Number.POSITIVE_INFINITY) + slack);
  const seenCache = new Map<string, number | undefined>();
  const seenAt = (rel: string) => {
    if (!seenCache.has(rel)) seenCache.set(rel, opts.firstSeen(rel));
    return seenCache.get(rel);
  };
  // Who wrote it: what its guard reported (the path itself, or a directory above it), or, inside the OS layer
  // (which made anything else impossible for it), whatever changed there while its sandbox lived.
  const wroteDirectly = (ix: SleeveIndex, c: Change, abs: string) =>
    ix.s.writes.has(abs) || coveredAt(ix, path.dirname(abs)) || (ix.s.osLayer === true && ix.s.startedMs !== null && duringSleeve(ix.s, seenAt(c.path)));

  const verdicts: Array<{ change: Change; cutBy?: string[] } | undefined> = [];
  const pending: Pending[] = [];
  changes.forEach((c, at) => {
    if (runnerOwned(c.path)) return;
    const abs = `${ws}/${c.path}`;
    const candidates = indexes.filter((ix) => ix.mayWrite(abs));
    if (candidates.some((ix) => wroteDirectly(ix, c, abs))) return;
    if (candidates.length > 0 && madeByWriteBelow(c)) {
      pending.push({ at, change: c, abs, candidates });
      for (const ix of candidates) ix.wanted.set(abs, false);
      return;
    }
    verdicts[at] = { change: c };
  });
  const boundsHit: string[] = [];
  for (const ix of indexes) {
    if (ix.wanted.size === 0) continue;
    findAboveWrites(ix, limits.aboveChars);
    if (ix.cut) {
      boundsHit.push(
        `the writes ${ix.s.name} reported were looked through up to the bound of ${limits.aboveChars} path characters: directories of its zone not found above one of them by then are violations`,
      );
    }
  }
  for (const p of pending) {
    if (p.candidates.some((ix) => ix.wanted.get(p.abs) === true)) continue;
    const cut = p.candidates.filter((ix) => ix.cut).map((ix) => ix.s.name);
    verdicts[p.at] = cut.length > 0 ? { change: p.change, cutBy: cut } : { change: p.change };
  }

  const violations: Violation[] = [];
  for (const v of verdicts) {
    if (v === undefined) continue;
    const c = v.change;
    const seen = seenAt(c.path);
    const owner = [...runDirs.entries()].find(([dir]) => within(c.path, dir))?.[1];
    let why = owner
      ? `changed in the run dir of ${owner.name}, which never reported writing it: another sleeve, or something that bypassed the guard`
      : `outside every permitted zone: a sleeve may change only ${runsDir}/<its run id>/**, a prepare step only what its policy lets it write`;
    if (c.ownerChanged) why += ' (its owner changed: a chown)';
    if (c.reborn) why += ' (removed and made again: the same inode number, another birth time)';
    if (v.cutBy) why += `; not proven: the accounting stopped looking through the writes of ${v.cutBy.join(', ')} at its bound`;
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
  return { violations, boundsHit };
}
