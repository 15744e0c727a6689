/**
 * Shared helpers for the runner benchmarks (startup, fs-heavy, memory): a
 * throw-away workspace shaped like the real thing, child processes timed from
 * the bench script, a bounded pool, the real CLI, and the formatting of
 * "figure vs target" lines.
 *
 * Every figure of those sections is a ratio (or a difference) against a
 * baseline measured side by side in the same run, so the helpers here run the
 * baseline and the subject the same way: same cwd, an equivalent environment
 * and run directory, the same stdio plumbing on the bench side.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../policies/loader.js';
import { createNodeSys } from '../policies/node-sys.js';
import type { ResolvedPolicy } from '../policies/types.js';
import { buildSleeveEnv } from '../runner/batch/env.js';

/** bin/sleeve-sandbox.js, from dist/bench/workspace.js. */
export const CLI = fileURLToPath(new URL('../../bin/sleeve-sandbox.js', import.meta.url));
export const POLICY = 'strict';

// ---------------------------------------------------------------- workspace

export interface WorkspaceOptions {
  /** Files under data/lakehouse/table_NN/ (round robin over the dirs). */
  files?: number;
  dirs?: number;
  /** Approximate size of each data file. */
  fileBytes?: number;
}

export interface BenchWorkspace {
  /** Real absolute path of the workspace root. */
  readonly root: string;
  /** Data files, relative to the root (as a sleeve with cwd = root spells them). */
  readonly files: readonly string[];
  readonly policy: ResolvedPolicy;
  /** Writes `sleeves/<file>` and returns its path relative to the root. */
  sleeve(file: string, source: string): string;
  /** A fresh directory `runs/<label>` (what the runner would create), absolute. */
  runDir(label: string): string;
  /** The environment the runner would give a sleeve with this run dir (policy "strict"). */
  env(runDir: string, name: string): Record<string, string>;
  /** Removes everything under runs/ and reports/ (between batches, not timed). */
  clearRuns(): void;
  remove(): void;
}

/** One ~`bytes`-sized CSV, different per file. */
function csv(i: number, bytes: number): string {
  let text = 'date,open,high,low,close,volume\n';
  for (let row = 0; text.length < bytes; row++) {
    const base = 100 + ((i * 7 + row * 3) % 50);
    text += `2024-01-${String((row % 28) + 1).padStart(2, '0')},${base}.1,${base + 1}.5,${base - 1}.2,${base}.9,${1000 + i + row}\n`;
  }
  return text.slice(0, bytes - 1) + '\n';
}

export function dataFile(i: number, dirs: number): string {
  return `data/lakehouse/table_${String(i % dirs).padStart(2, '0')}/part-${String(i).padStart(6, '0')}.csv`;
}

export function createBenchWorkspace(options: WorkspaceOptions = {}): BenchWorkspace {
  const fileCount = options.files ?? 20;
  const dirs = Math.max(1, options.dirs ?? 2);
  const bytes = Math.max(16, options.fileBytes ?? 200);
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-bench-run-')));
  try {
    for (let d = 0; d < dirs; d++) fs.mkdirSync(path.join(root, 'data', 'lakehouse', `table_${String(d).padStart(2, '0')}`), { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < fileCount; i++) {
      const rel = dataFile(i, dirs);
      fs.writeFileSync(path.join(root, rel), csv(i, bytes));
      files.push(rel);
    }
    // The shared fallback that the strict policy denies: makes the Node
    // permission grants the realistic "siblings of a denied file" shape.
    fs.writeFileSync(path.join(root, 'data', 'lakehouse', 'portfolio_candidates.json'), '["AAPL","MSFT"]\n');
    fs.mkdirSync(path.join(root, 'sleeves'));
    fs.mkdirSync(path.join(root, 'runs'));
    // `.js` sleeves are ES modules, as in a `"type": "module"` project.
    fs.writeFileSync(path.join(root, 'package.json'), '{ "private": true, "type": "module" }\n');
    const sys = createNodeSys(undefined, () => root);
    const { policy } = loadPolicy(POLICY, { workspace: root, sys });
    return {
      root,
      files,
      policy,
      sleeve(file, source) {
        const rel = path.join('sleeves', file);
        fs.writeFileSync(path.join(root, rel), source);
        return rel;
      },
      runDir(label) {
        const dir = path.join(root, 'runs', label);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir);
        return dir;
      },
      env(runDir, name) {
        const runId = path.basename(runDir);
        return buildSleeveEnv(policy, process.env, {}, { name, runId, runDir, workspace: root });
      },
      clearRuns() {
        for (const dir of ['runs', 'reports']) {
          const abs = path.join(root, dir);
          if (!fs.existsSync(abs)) continue;
          for (const entry of fs.readdirSync(abs)) fs.rmSync(path.join(abs, entry), { recursive: true, force: true });
        }
      },
      remove() {
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------- processes

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Spawn to close (exit and stdio drained), in ms. */
  ms: number;
  stdout: string;
  stderr: string;
}

export interface ProcOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const OUTPUT_CAP = 8 * 1024 * 1024;

/** Runs a command to completion, timing it; stdin ignored, stdout/stderr collected. */
export function runProcess(file: string, args: readonly string[], opts: ProcOptions): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes < OUTPUT_CAP) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes < OUTPUT_CAP) err.push(chunk);
      errBytes += chunk.length;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        ms: Number(process.hrtime.bigint() - start) / 1e6,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Runs `count` tasks, at most `concurrency` at a time; the wall time of the whole pool. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<{ ms: number; results: T[] }> {
  const results: T[] = new Array(count);
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, results };
}

function describeFailure(what: string, r: ProcResult): string {
  const tail = `${r.stderr}\n${r.stdout
    .split('\n')
    .filter((l) => /"(status|error|verdict)"/.test(l))
    .join('\n')}`
    .trim()
    .split('\n')
    .slice(-12)
    .join('\n    ');
  return `${what} exited with ${r.code ?? r.signal}${tail ? `:\n    ${tail}` : ''}`;
}

/** Runs a bare `node [flags] script`, as a sleeve would be started without the sandbox; throws unless it exits 0. */
export async function runBareNode(ws: BenchWorkspace, script: string, runDir: string, flags: readonly string[] = []): Promise<ProcResult> {
  const r = await runProcess(process.execPath, [...flags, script], { cwd: ws.root, env: ws.env(runDir, path.basename(runDir)) });
  if (r.code !== 0) throw new Error(describeFailure(`node ${[...flags, script].join(' ')}`, r));
  return r;
}

// ---------------------------------------------------------------- the CLI

export interface CliSleeve {
  name: string;
  runId: string;
  runDir: string;
  status: string;
  exitCode: number | null;
  durationMs: number;
  logs: { stdout: string; stderr: string };
  usage?: { maxRssKiB: number; cpuUserMs: number; cpuSystemMs: number };
}

export interface CliRun {
  /** Wall time of the whole `sleeve-sandbox run` process, spawn to close. */
  ms: number;
  /** The audit verdict of the summary, where the CLI has an auditor. */
  verdict: string | undefined;
  sleeves: CliSleeve[];
}

/**
 * One `sleeve-sandbox run --policy strict --workspace W --sleeve N=E ... --json`
 * invocation; throws unless every sleeve succeeded (exit 0; 4 with --no-audit or --no-hash).
 */
export async function runCli(
  ws: BenchWorkspace,
  sleeves: ReadonlyArray<readonly [string, string]>,
  concurrency: number,
  extraArgs: readonly string[] = [],
): Promise<CliRun> {
  const args = [
    CLI,
    'run',
    '--policy',
    POLICY,
    '--workspace',
    ws.root,
    ...sleeves.flatMap(([name, entry]) => ['--sleeve', `${name}=${entry}`]),
    '--concurrency',
    String(concurrency),
    '--json',
    // Sections other than os-layer measure process mode on its own, unless they ask for the OS layer.
    ...(extraArgs.includes('--os-layer') || !hasOsLayerFlag() ? [] : ['--os-layer', 'off']),
    ...extraArgs,
  ];
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_V8_COVERAGE;
  const r = await runProcess(process.execPath, args, { cwd: ws.root, env });
  // Without the audit (or its hashes) a clean batch is not proven: exit 4, verdict unaudited or partial.
  const expected = extraArgs.includes('--no-audit') || extraArgs.includes('--no-hash') ? 4 : 0;
  if (r.code !== expected && r.code !== 0) throw new Error(describeFailure(`sleeve-sandbox run (${sleeves.length} sleeves)`, r));
  const summary = JSON.parse(r.stdout) as { sleeves: CliSleeve[]; verdict?: string };
  const bad = summary.sleeves.filter((s) => s.status !== 'ok');
  if (bad.length > 0) throw new Error(`sleeve-sandbox run: ${bad.length} sleeve(s) not ok: ${bad.map((s) => `${s.name} ${s.status}`).join(', ')}`);
  const accepted = expected === 4 ? ['unaudited', 'partial'] : ['clean', 'skipped'];
  if (summary.verdict !== undefined && !accepted.includes(summary.verdict)) {
    throw new Error(`sleeve-sandbox run: audit verdict ${JSON.stringify(summary.verdict)}`);
  }
  return { ms: r.ms, verdict: summary.verdict, sleeves: summary.sleeves };
}

// ---------------------------------------------------------------- node features

/** Node's own permission flag on this binary, or null (detected like the runner does). */
export function nodePermissionFlag(): '--permission' | '--experimental-permission' | null {
  const flags = process.allowedNodeEnvironmentFlags;
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  return null;
}

/** `--permission`/`--experimental-permission` with fs grants (and the warning silenced, as the runner does), or null. */
export function nodePermissionArgs(read: readonly string[], write: readonly string[]): string[] | null {
  const flag = nodePermissionFlag();
  if (flag === null) return null;
  const quiet = process.allowedNodeEnvironmentFlags.has('--disable-warning') ? ['--disable-warning=ExperimentalWarning'] : [];
  return [flag, ...read.map((p) => `--allow-fs-read=${p}`), ...write.map((p) => `--allow-fs-write=${p}`), ...quiet];
}

/** Does `sleeve-sandbox run --help` list this option? */
let osLayerFlag: boolean | undefined;
function hasOsLayerFlag(): boolean {
  osLayerFlag ??= cliHasOption('--os-layer');
  return osLayerFlag;
}

export function cliHasOption(option: string): boolean {
  const r = spawnSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8', timeout: 30_000 });
  return (r.stdout ?? '').split(/[\s,]+/).includes(option);
}

/** An executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function commandVersion(file: string, args: readonly string[] = ['--version']): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '').split('\n')[0]?.trim() ?? '';
}

// ---------------------------------------------------------------- reporting

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

/** `label   1.234x   (target <= 1.25x)  PASS`. */
export function ratioTargetLine(label: string, ratio: number, target: number): string {
  const verdict = ratio <= target ? 'PASS' : 'MISS';
  return `  ${label.padEnd(40)} ${ratio.toFixed(3).padStart(7)}x   (target <= ${target.toFixed(2)}x)  ${verdict}`;
}

export function valueLine(label: string, value: string, extra = ''): string {
  return `  ${label.padEnd(40)} ${value.padStart(10)}${extra ? `   ${extra}` : ''}`;
}

/** Even repetitions run the list as given, odd ones reversed: neither side always goes first. */
export function alternate<T>(items: readonly T[], rep: number): T[] {
  return rep % 2 === 0 ? [...items] : [...items].reverse();
}
