/**
 * The one way tests run the CLI:
 * - `runMain(argv, { cwd })`: in process, through `main(argv, io)` (the
 *   composition root), for the cases that need no process of their own:
 *   policy commands, usage errors, audit verify. Fast: no node start-up.
 * - `runBin` / `startBin` + `collect` / `runBinSync`: the real bin as a child
 *   process, for everything that runs sleeves, reads signals or exit codes
 *   of the process itself.
 * Both give the same `Run` (exit code, signal, stdout, stderr, ms).
 */
import { type ChildProcess, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../runner/cli.js';

// The compiled file sits at <repo>/dist/tests/helpers/; the bin at <repo>/bin/.
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binPath = path.join(repoRoot, 'bin', 'sleeve-sandbox.js');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Where the runners the tests start keep their caches (the runner's compile cache, the bootstrap's code
 * cache: runner/compile-cache.ts, runner/batch/bootstrap-cache.ts): outside any $HOME a test checks.
 */
export const RUNNER_CACHE_HOME = path.join(os.tmpdir(), `sleeve-sandbox-tests-cache-${process.getuid?.() ?? 0}`);

/** The test's environment minus the test runner's context and any real CI step summary, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  delete env['GITHUB_STEP_SUMMARY'];
  return { ...env, XDG_CACHE_HOME: RUNNER_CACHE_HOME, ...extra };
}

export interface StartOptions {
  /** Runs the bin through `sh -c '<prefix>; exec node bin ...'` (e.g. a ulimit). */
  shellPrefix?: string;
  /** stdio of the child (default: stdin ignored, stdout and stderr piped). */
  stdio?: StdioOptions;
}

export function startBin(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = childEnv(), options: StartOptions = {}): ChildProcess {
  const stdio = options.stdio ?? ['ignore', 'pipe', 'pipe'];
  if (options.shellPrefix === undefined) return spawn(process.execPath, [binPath, ...args], { cwd, env, stdio });
  const quoted = [process.execPath, binPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return spawn('/bin/sh', ['-c', `${options.shellPrefix}; exec ${quoted}`], { cwd, env, stdio });
}

/** Reads a child's stdout and stderr to the end; SIGKILLs it after `limitMs`. */
export function collect(child: ChildProcess, limitMs = 60_000, started = Date.now()): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function runBin(args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return collect(startBin(args, cwd, env));
}

export interface SyncOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** A command the bin runs under: `[...wrap, node, bin, ...args]` (e.g. setpriv or bwrap to change the user). */
  wrap?: readonly string[];
  /** Another copy of the bin (e.g. an installed package's) instead of this checkout's. */
  bin?: string;
}

/** The bin, synchronously (for tests that are simpler without await). */
export function runBinSync(args: readonly string[], cwd: string, options: SyncOptions = {}): Run {
  const started = Date.now();
  const [command, ...rest] = [...(options.wrap ?? []), process.execPath, options.bin ?? binPath, ...args] as [string, ...string[]];
  const r = spawnSync(command, rest, { cwd, env: options.env ?? childEnv(), encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** The CLI in this process: `main(argv, io)` with captured output. Only for commands that start no sleeve. */
export async function runMain(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()): Promise<Run> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  const code = await main([...argv], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    cwd,
    env,
  });
  return { code, signal: null, stdout, stderr, ms: Date.now() - started };
}

export function show(run: Run): string {
  return `exit ${run.code} (signal ${run.signal}) after ${run.ms} ms\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}
