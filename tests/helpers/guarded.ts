/**
 * Runs code under the JS guard alone: the real bootstrap in a real child
 * process, with no Node permission flags. This tests the guard layer on its
 * own (each layer must hold by itself) and lets V8 write coverage, which
 * Node's permission model switches off.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import type { SandboxConfig, SleeveMessage } from '../../sandbox/protocol.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BOOTSTRAP = path.join(DIST, 'sandbox', 'bootstrap.js');

export interface GuardedRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  messages: SleeveMessage[];
}

export function strictPolicy(workspace: string): ResolvedPolicy {
  return loadPolicy('strict', { workspace, sys: createNodeSys(undefined, () => workspace) }).policy;
}

export async function runGuarded(opts: {
  workspace: string;
  runId: string;
  source: string;
  policy?: ResolvedPolicy;
  builtins?: string[];
  env?: Record<string, string>;
  /** Workspace-relative run root (default `runs`). */
  runsDir?: string;
  /** Spawned pre-warmed: the sandbox waits for one byte on its go pipe (the test writes it in onSpawn). */
  onSpawn?: (child: ChildProcess, said: () => SleeveMessage[]) => void;
  /** Tell the sandbox to wait for "go" (default: when onSpawn is given). */
  awaitGo?: boolean;
  /** Node flags of the child (e.g. --cpu-prof to see where the guard's time goes). */
  nodeArgs?: string[];
}): Promise<GuardedRun> {
  const runsDir = opts.runsDir ?? 'runs';
  const runDir = path.join(opts.workspace, runsDir, opts.runId);
  fs.mkdirSync(runDir, { recursive: true });
  const entryDir = fs.mkdtempSync(path.join(path.dirname(opts.workspace), 'entry-'));
  const entry = path.join(entryDir, 'sleeve.mjs');
  fs.writeFileSync(entry, opts.source);
  const config: SandboxConfig = {
    policy: opts.policy ?? strictPolicy(opts.workspace),
    workspace: opts.workspace,
    runId: opts.runId,
    runsDir,
    runDir,
    name: 'test',
    entry,
    args: [],
    builtins: opts.builtins ?? [],
    codePaths: [entry, DIST],
    packageDirs: [],
    layers: ['fs-guard'],
    mode: 'process',
    ...((opts.awaitGo ?? opts.onSpawn !== undefined) ? { awaitGo: true } : {}),
  };
  const run = await runBootstrap({
    config,
    cwd: opts.workspace,
    env: opts.env,
    ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
    ...(opts.onSpawn ? { onSpawn: opts.onSpawn } : {}),
  });
  fs.rmSync(entryDir, { recursive: true, force: true });
  return run;
}

/** The real bootstrap in a child process with this config (no permission flags), and what it said. */
export async function runBootstrap(opts: {
  config: SandboxConfig;
  cwd: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Pass NODE_V8_COVERAGE on when the tests run under c8 (default true). */
  coverage?: boolean;
  /** Give the child a go pipe on fd 4 (the runner's pre-warm, spawn.ts) and hand the spawned child over. */
  onSpawn?: (child: ChildProcess, said: () => SleeveMessage[]) => void;
}): Promise<GuardedRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...opts.env, SLEEVE_SANDBOX_CONFIG: JSON.stringify(opts.config) };
  // Node hands NODE_V8_COVERAGE to every child it starts unless the child's env names it: an empty
  // value is how coverage is kept off.
  if (process.env.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = opts.coverage === false ? '' : process.env.NODE_V8_COVERAGE;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BOOTSTRAP], {
    cwd: opts.cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', ...(opts.onSpawn ? (['pipe'] as const) : [])],
  });
  let stdout = '';
  let stderr = '';
  let channel = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
    channel += d.toString();
  });
  const said = () =>
    channel
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as SleeveMessage);
  opts.onSpawn?.(child, said);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  return { code, signal, stdout, stderr, messages: said() };
}
