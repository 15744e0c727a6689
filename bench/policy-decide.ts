/**
 * Benchmark section "decide": the cost of `compiled.decide(op, path)` against
 * the cost of one `fs.statSync` of the same path, measured side by side in the
 * same run and the same loop structure.
 *
 * - uncached: a fresh compiled engine per repetition, every path seen for the
 *   first time (the engine resolves it: realpath, lstat, ...);
 * - cached: the same engine and the same paths again (`cacheResolutions: true`);
 * - new file: `write` of a file that does not exist yet under runs/<id>/
 *   (the ENOENT fallback of resolveReal), as extra information.
 *
 * Targets: uncached < 1.0x statSync, cached < 0.1x statSync.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CompiledPolicy, compilePolicy } from '../policies/engine.js';
import { loadPolicy } from '../policies/loader.js';
import { createNodeSys } from '../policies/node-sys.js';
import type { Sys } from '../policies/sys.js';
import type { FsOp, ResolvedPolicy } from '../policies/types.js';

/** What every benchmark section returns: lines for people, a value for --json. */
export interface SectionReport {
  readonly name: string;
  readonly lines: string[];
  readonly json: Record<string, unknown>;
}

export interface DecideBenchOptions {
  /** Files created under data/lakehouse/<dir>/ (each is decided on once per repetition). */
  files?: number;
  /** Directories the files are spread over. */
  dirs?: number;
  /** Repetitions; the medians are reported. */
  reps?: number;
  /** Passes over all paths per repetition for the cached figure (it is fast). */
  cachedPasses?: number;
  /** Paths of not-yet-existing files decided on per repetition (write under runs/<id>/). */
  newFiles?: number;
  /** Progress messages (to stderr by default in run.ts). */
  progress?: (message: string) => void;
}

const RUN_ID = 'bench';
export const DECIDE_TARGETS = Object.freeze({ uncached: 1.0, cached: 0.1 });

// ---------------------------------------------------------------- measuring

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nanoseconds per operation, as a compact human string. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function formatRate(nsPerOp: number): string {
  const perSecond = 1e9 / nsPerOp;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

interface Timed {
  ns: number;
  ops: number;
  /** Results that looked right (allowed decisions, stats that found a file). */
  ok: number;
}

// The loops below are deliberately identical in shape: index loop, one call,
// one test of the result. Only the call differs.

function timeDecide(engine: CompiledPolicy, op: FsOp, paths: readonly string[], passes = 1): Timed {
  let ok = 0;
  const n = paths.length;
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i++) {
      if (engine.decide(op, paths[i]).allowed) ok++;
    }
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { ns, ops: n * passes, ok };
}

function timeStat(paths: readonly string[], passes = 1): Timed {
  let ok = 0;
  const n = paths.length;
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i++) {
      if (fs.statSync(paths[i] as string, { throwIfNoEntry: false }) !== undefined) ok++;
    }
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { ns, ops: n * passes, ok };
}

// ---------------------------------------------------------------- workspace

interface Workspace {
  root: string;
  /** Absolute paths (as a sleeve would pass them) of the existing data files. */
  files: string[];
  /** Absolute paths of files that do not exist, under runs/<id>/. */
  newFiles: string[];
}

function createWorkspace(fileCount: number, dirCount: number, newFileCount: number): Workspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-bench-'));
  const files: string[] = [];
  const dirs: string[] = [];
  for (let d = 0; d < dirCount; d++) {
    const dir = path.join(root, 'data', 'lakehouse', `table_${String(d).padStart(2, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    dirs.push(dir);
  }
  for (let i = 0; i < fileCount; i++) {
    // Round-robin over the directories, so consecutive paths differ in directory too.
    const file = path.join(dirs[i % dirCount] as string, `part-${String(i).padStart(6, '0')}.csv`);
    fs.writeFileSync(file, `id,value\n${i},${i * 2}\n`);
    files.push(file);
  }
  const runDir = path.join(root, 'runs', RUN_ID);
  fs.mkdirSync(runDir, { recursive: true });
  const newFiles: string[] = [];
  for (let i = 0; i < newFileCount; i++) newFiles.push(path.join(runDir, `out-${String(i).padStart(6, '0')}.csv`));
  return { root, files, newFiles };
}

// ---------------------------------------------------------------- profile

/** Sys calls per decide, counted by wrapping the Sys (not timed). */
function countSysCalls(policy: ResolvedPolicy, workspace: string, sys: Sys, op: FsOp, paths: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = { realpath: 0, realpathThrew: 0, lstat: 0, readlink: 0, cwd: 0 };
  const bump = (k: string) => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const counting: Sys = {
    ...sys,
    cwd: () => {
      bump('cwd');
      return sys.cwd();
    },
    realpath: (p) => {
      bump('realpath');
      try {
        return sys.realpath(p);
      } catch (error) {
        bump('realpathThrew');
        throw error;
      }
    },
    lstat: (p) => {
      bump('lstat');
      return sys.lstat(p);
    },
    readlink: (p) => {
      bump('readlink');
      return sys.readlink(p);
    },
  };
  const engine = compilePolicy(policy, { workspace, runId: RUN_ID, sys: counting, cacheResolutions: true });
  for (const key of Object.keys(counts)) counts[key] = 0;
  for (const p of paths) engine.decide(op, p);
  const perCall: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts)) perCall[key] = value / paths.length;
  return perCall;
}

// ---------------------------------------------------------------- section

function ratioLine(label: string, ratio: number, target: number): string {
  const verdict = ratio < target ? 'PASS' : 'MISS';
  return `  ${label.padEnd(34)} ${ratio.toFixed(3).padStart(7)}x   (target < ${target.toFixed(1)}x)  ${verdict}`;
}

function rowLine(label: string, ns: number, extra = ''): string {
  return `  ${label.padEnd(34)} ${formatNs(ns).padStart(10)}/op  ${formatRate(ns).padStart(10)}${extra}`;
}

export async function benchDecide(options: DecideBenchOptions = {}): Promise<SectionReport> {
  const fileCount = options.files ?? 20_000;
  const dirCount = options.dirs ?? 40;
  const reps = options.reps ?? 7;
  const cachedPasses = options.cachedPasses ?? 10;
  const newFileCount = options.newFiles ?? 5_000;
  const progress = options.progress ?? (() => {});
  if (fileCount < 1 || dirCount < 1 || reps < 1 || cachedPasses < 1 || newFileCount < 1) {
    throw new Error('decide bench: files, dirs, reps, cachedPasses and newFiles must be at least 1');
  }

  const setupStart = process.hrtime.bigint();
  progress(`decide: creating ${fileCount} files in ${dirCount} directories under ${os.tmpdir()} ...`);
  const ws = createWorkspace(fileCount, dirCount, newFileCount);
  try {
    const workspace = ws.root;
    const sys = createNodeSys(undefined, () => workspace);
    const { policy } = loadPolicy('strict', { workspace, sys });
    const fresh = (cacheResolutions: boolean) => compilePolicy(policy, { workspace, runId: RUN_ID, sys, cacheResolutions });
    const setupMs = Number(process.hrtime.bigint() - setupStart) / 1e6;

    // Warm-up: JIT for every loop, and the kernel's dentry/inode caches for every path.
    progress('decide: warming up ...');
    for (let w = 0; w < 2; w++) {
      timeStat(ws.files);
      timeStat(ws.newFiles);
      const engine = fresh(true);
      timeDecide(engine, 'read', ws.files);
      timeDecide(engine, 'read', ws.files, 2);
      timeDecide(fresh(true), 'write', ws.newFiles);
    }

    const samples = { stat: [] as number[], uncached: [] as number[], cached: [] as number[], newFile: [] as number[], statMissing: [] as number[] };
    const checks = { uncachedAllowed: 0, cachedAllowed: 0, newFileAllowed: 0, statFound: 0 };
    progress(`decide: ${reps} repetitions ...`);
    for (let rep = 0; rep < reps; rep++) {
      const engine = fresh(true);
      // Alternate the order so neither side always runs on the caches the other warmed.
      let stat: Timed;
      let uncached: Timed;
      if (rep % 2 === 0) {
        stat = timeStat(ws.files);
        uncached = timeDecide(engine, 'read', ws.files);
      } else {
        uncached = timeDecide(engine, 'read', ws.files);
        stat = timeStat(ws.files);
      }
      const cached = timeDecide(engine, 'read', ws.files, cachedPasses);
      const newFile = timeDecide(fresh(true), 'write', ws.newFiles);
      const statMissing = timeStat(ws.newFiles);
      samples.stat.push(stat.ns / stat.ops);
      samples.uncached.push(uncached.ns / uncached.ops);
      samples.cached.push(cached.ns / cached.ops);
      samples.newFile.push(newFile.ns / newFile.ops);
      samples.statMissing.push(statMissing.ns / statMissing.ops);
      checks.statFound = stat.ok;
      checks.uncachedAllowed = uncached.ok;
      checks.cachedAllowed = cached.ok / cachedPasses;
      checks.newFileAllowed = newFile.ok;
    }

    const components = (ws.files[0] ?? '').split('/').filter((part) => part !== '').length;
    const profile = {
      uncachedRead: countSysCalls(policy, workspace, sys, 'read', ws.files.slice(0, 2000)),
      newFileWrite: countSysCalls(policy, workspace, sys, 'write', ws.newFiles.slice(0, 2000)),
    };

    const m = {
      stat: median(samples.stat),
      uncached: median(samples.uncached),
      cached: median(samples.cached),
      newFile: median(samples.newFile),
      statMissing: median(samples.statMissing),
    };
    // Each ratio is the median of the per-repetition ratios: stat and decide of one
    // repetition ran back to back, so drifts of the machine's speed cancel out.
    const paired = (xs: readonly number[]) => median(xs.map((x, i) => x / (samples.stat[i] as number)));
    const ratios = {
      uncached: paired(samples.uncached),
      cached: paired(samples.cached),
      newFile: paired(samples.newFile),
    };
    const pass = { uncached: ratios.uncached < DECIDE_TARGETS.uncached, cached: ratios.cached < DECIDE_TARGETS.cached };
    const problems: string[] = [];
    if (checks.statFound !== fileCount) problems.push(`statSync found ${checks.statFound} of ${fileCount} files`);
    if (checks.uncachedAllowed !== fileCount) problems.push(`uncached: ${checks.uncachedAllowed} of ${fileCount} reads allowed (expected all)`);
    if (checks.cachedAllowed !== fileCount) problems.push(`cached: ${checks.cachedAllowed} of ${fileCount} reads allowed (expected all)`);
    if (checks.newFileAllowed !== newFileCount) problems.push(`new file: ${checks.newFileAllowed} of ${newFileCount} writes allowed (expected all)`);

    const perCall = (counts: Record<string, number>) =>
      Object.entries(counts)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(2)}`)
        .join(', ') || 'none';

    const lines = [
      `decide: policy "strict", ${fileCount} files in ${dirCount} dirs, median of ${reps} reps (setup ${setupMs.toFixed(0)} ms)`,
      rowLine('fs.statSync (baseline)', m.stat),
      rowLine('decide read, uncached', m.uncached, `   ${fileCount} fresh paths/rep, fresh engine`),
      rowLine('decide read, cached', m.cached, `   ${cachedPasses} passes/rep, cacheResolutions`),
      ratioLine('uncached decide / statSync', ratios.uncached, DECIDE_TARGETS.uncached),
      ratioLine('cached decide / statSync', ratios.cached, DECIDE_TARGETS.cached),
      '  info:',
      rowLine('decide write, new file (ENOENT)', m.newFile, `   ${(ratios.newFile).toFixed(2)}x statSync of an existing file`),
      rowLine('fs.statSync of a missing file', m.statMissing),
      `  Sys calls per uncached read decide:  ${perCall(profile.uncachedRead)}`,
      `  Sys calls per new-file write decide: ${perCall(profile.newFileWrite)}`,
      `  (glibc realpath(3) issues one readlink(2) per path component: ${components} for these paths; statSync is one statx(2))`,
      ...problems.map((p) => `  WARNING: ${p}`),
    ];

    return {
      name: 'decide',
      lines,
      json: {
        policy: 'strict',
        files: fileCount,
        dirs: dirCount,
        reps,
        cachedPasses,
        newFiles: newFileCount,
        setupMs,
        nsPerOp: m,
        opsPerSecond: {
          stat: 1e9 / m.stat,
          uncached: 1e9 / m.uncached,
          cached: 1e9 / m.cached,
          newFile: 1e9 / m.newFile,
          statMissing: 1e9 / m.statMissing,
        },
        samplesNsPerOp: samples,
        ratios,
        targets: DECIDE_TARGETS,
        pass,
        sysCallsPerDecide: profile,
        pathComponents: components,
        problems,
      },
    };
  } finally {
    fs.rmSync(ws.root, { recursive: true, force: true });
  }
}
