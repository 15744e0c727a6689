/**
 * What `runs clean --keep N` removes. A batch is one batch id
 * (`batch_<UTC stamp>_<hex>`): its ledger `<runs>/.batches/<id>.json` (written
 * by `run` before the first sleeve starts; it names the batch's run ids), the
 * run dirs it names, and its report dir `<reports>/<id>/` (when the reports
 * went to the default place). The N most recent batches are kept, by start time.
 *
 * A batch is running when its audit.json says `running` and its ledger's pid
 * is alive, or there is no ledger yet (the runner writes the report first);
 * or when it has a ledger, no report here, and the ledger's pid is alive.
 * A `running` report whose runner is gone is an abandoned batch: pruned like
 * any other. Nothing is removed while any batch runs.
 *
 * Safety: the roots (run root, reports root) are taken as configured; inside
 * them nothing is followed: every directory removed must be a real directory
 * (lstat) directly in its root, named by a valid id, and a symlink is left
 * where it is and reported. `choosePrune` is pure; `scanBatches` only reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkRunId } from '../../policies/patterns.js';

export const BATCH_ID_RE = /^batch_(\d{14})_[0-9a-f]{6}$/;

export interface BatchOnDisk {
  id: string;
  /** Start time (ms): the ledger's, else the report's, else the id's stamp. */
  startedMs: number;
  running: boolean;
  /** Why it counts as running or abandoned, for messages. */
  state: string;
  /** Absolute paths this batch owns, as found: run dirs, report dir, ledger (last). */
  paths: string[];
}

export interface Skipped {
  path: string;
  why: string;
}

export interface Scan {
  batches: BatchOnDisk[];
  skipped: Skipped[];
  /** Run dirs no batch names (made before ledgers, or by hand): left alone. */
  unclaimed: string[];
}

export interface PruneChoice {
  keep: BatchOnDisk[];
  remove: BatchOnDisk[];
}

/** The `keep` most recent batches stay (newest first; ties by id), the rest go. Pure. */
export function choosePrune(batches: readonly BatchOnDisk[], keep: number): PruneChoice {
  const sorted = [...batches].sort((a, b) => b.startedMs - a.startedMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { keep: sorted.slice(0, keep), remove: sorted.slice(keep) };
}

/** Milliseconds of a `batch_yyyymmddHHMMss_hex` id's stamp. */
export function stampOf(id: string): number {
  const m = BATCH_ID_RE.exec(id);
  if (!m) return 0;
  const s = m[1] as string;
  return Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14));
}

export interface ScanDeps {
  /** Whether a process id is alive (default: signal 0). */
  alive?: (pid: number) => boolean;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A real directory (not a symlink) directly in `root`, or a reason it is not. */
function ownedDir(root: string, name: string): { path: string } | { skip: Skipped } | undefined {
  const p = path.join(root, name);
  if (path.dirname(p) !== root) return { skip: { path: p, why: 'not directly in its root' } };
  const st = lstat(p);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { skip: { path: p, why: 'a symlink: never followed, left in place' } };
  if (!st.isDirectory()) return { skip: { path: p, why: 'not a directory' } };
  return { path: p };
}

export function scanBatches(runsRoot: string, reportsRoot: string, deps: ScanDeps = {}): Scan {
  const alive = deps.alive ?? pidAlive;
  const skipped: Skipped[] = [];
  const ledgers = new Map<string, Record<string, unknown>>();
  const ledgerDir = path.join(runsRoot, '.batches');
  const ledgerSt = lstat(ledgerDir);
  if (ledgerSt?.isSymbolicLink() || (ledgerSt && !ledgerSt.isDirectory())) {
    skipped.push({ path: ledgerDir, why: 'the ledger dir is not a real directory: its entries are not read' });
  } else if (ledgerSt) {
    for (const name of fs.readdirSync(ledgerDir)) {
      const id = name.endsWith('.json') ? name.slice(0, -5) : '';
      if (!BATCH_ID_RE.test(id)) continue;
      const st = lstat(path.join(ledgerDir, name));
      if (!st?.isFile()) {
        skipped.push({ path: path.join(ledgerDir, name), why: 'not a regular file' });
        continue;
      }
      ledgers.set(id, readJson(path.join(ledgerDir, name)) ?? {});
    }
  }
  const reports = new Map<string, string>();
  const reportsSt = lstat(reportsRoot);
  if (reportsSt?.isDirectory()) {
    for (const name of fs.readdirSync(reportsRoot)) {
      if (!BATCH_ID_RE.test(name)) continue;
      const owned = ownedDir(reportsRoot, name);
      if (owned && 'skip' in owned) skipped.push(owned.skip);
      else if (owned) reports.set(name, owned.path);
    }
  }
  const claimed = new Set<string>();
  const batches: BatchOnDisk[] = [];
  for (const id of new Set([...ledgers.keys(), ...reports.keys()])) {
    const ledger = ledgers.get(id);
    const reportDir = reports.get(id);
    const report = reportDir ? readJson(path.join(reportDir, 'audit.json')) : undefined;
    const runIds = new Set<string>();
    for (const source of [ledger?.runIds, (report?.sleeves as Array<{ runId?: unknown }> | undefined)?.map((s) => s?.runId)]) {
      if (!Array.isArray(source)) continue;
      for (const r of source) if (typeof r === 'string') runIds.add(r);
    }
    const paths: string[] = [];
    for (const runId of runIds) {
      if (checkRunId(runId) !== undefined || runId.startsWith('.')) {
        skipped.push({ path: path.join(runsRoot, runId), why: `batch ${id} names an invalid run id ${JSON.stringify(runId)}` });
        continue;
      }
      claimed.add(runId);
      const owned = ownedDir(runsRoot, runId);
      if (owned && 'skip' in owned) skipped.push(owned.skip);
      else if (owned) paths.push(owned.path);
    }
    if (reportDir) paths.push(reportDir);
    if (ledger) paths.push(path.join(ledgerDir, `${id}.json`));
    const pid = typeof ledger?.pid === 'number' ? ledger.pid : undefined;
    const pidUp = pid !== undefined && pid !== process.pid && alive(pid);
    let running = false;
    let state = 'finished';
    if (report?.verdict === 'running') {
      if (!ledger) {
        running = true;
        state = 'its audit.json says running and it has no ledger yet (starting)';
      } else if (pidUp) {
        running = true;
        state = `its audit.json says running and its runner (pid ${pid}) is alive`;
      } else {
        state = `abandoned: its audit.json says running but its runner (pid ${pid ?? 'unknown'}) is gone`;
      }
    } else if (!reportDir && pidUp) {
      running = true;
      state = `no report here and its runner (pid ${pid}) is alive`;
    }
    const started = [ledger?.startedAt, report?.startedAt].map((v) => (typeof v === 'string' ? Date.parse(v) : Number.NaN)).find((n) => Number.isFinite(n));
    batches.push({ id, startedMs: started ?? stampOf(id), running, state, paths });
  }
  const unclaimed: string[] = [];
  const runsSt = lstat(runsRoot);
  if (runsSt?.isDirectory()) {
    for (const name of fs.readdirSync(runsRoot)) {
      if (name === '.batches' || claimed.has(name)) continue;
      unclaimed.push(path.join(runsRoot, name));
    }
  }
  return { batches, skipped, unclaimed: unclaimed.sort() };
}

/** Removes one path of a batch: a directory recursively (rm never follows symlinks inside), a ledger file. */
export function removeOwned(p: string): void {
  const st = lstat(p);
  if (!st) return;
  if (st.isSymbolicLink()) throw new Error(`${p} became a symlink: left in place`);
  fs.rmSync(p, { recursive: st.isDirectory(), force: true });
}
