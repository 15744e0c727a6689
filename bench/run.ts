/**
 * Benchmark entry point (`npm run bench`, i.e. `node dist/bench/run.js`).
 *
 *   node dist/bench/run.js [section ...] [--json] [--reps N] [--files N]
 *
 * Each section is a function returning a SectionReport; add new sections to
 * SECTIONS. Sections: decide (policy-decide.ts), startup (run-startup.ts),
 * fs-heavy (run-fs-heavy.ts), compute (run-compute.ts), memory (run-memory.ts), audit (audit.ts),
 * audit-changes (audit-changes.ts), isolate (run-isolate.ts), isolate-platform (isolate-platform.ts), walkers (walkers.ts), policy-diff (policy-diff.ts),
 * tsx (tsx-startup.ts), queue (queue.ts), runner-start (runner-start.ts), pool (run-pool.ts). Human-readable lines go to stdout, or to
 * stderr with --json, where stdout holds one JSON object.
 */
import { realpathSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type DecideBenchOptions, type SectionReport, benchDecide } from './policy-decide.js';
import { type FsHeavyBenchOptions, benchFsHeavy } from './run-fs-heavy.js';
import { type ComputeBenchOptions, benchCompute } from './run-compute.js';
import { type IsolateBenchOptions, benchIsolate } from './run-isolate.js';
import { type IsolatePlatformBenchOptions, benchIsolatePlatform } from './isolate-platform.js';
import { type MemoryBenchOptions, benchMemory } from './run-memory.js';
import { type AuditBenchOptions, auditSection } from './audit.js';
import { type AuditChangesBenchOptions, benchAuditChanges } from './audit-changes.js';
import { type OsLayerBenchOptions, benchOsLayer } from './run-os-layer.js';
import { type PolicyDiffBenchOptions, benchPolicyDiff } from './policy-diff.js';
import { type QueueBenchOptions, benchQueue } from './queue.js';
import { type PoolBenchOptions, benchPool } from './run-pool.js';
import { type RunnerStartBenchOptions, benchRunnerStart } from './runner-start.js';
import { type StartupBenchOptions, benchStartup } from './run-startup.js';
import { type TsxBenchOptions, benchTsx } from './tsx-startup.js';
import { type WalkersBenchOptions, benchWalkers } from './walkers.js';

export interface BenchOptions {
  /** Repetitions per measurement (medians are reported). */
  reps?: number;
  /** Workload size where a section has one (files for "decide" and "fs-heavy"). */
  files?: number;
  progress?: (message: string) => void;
}

export interface Section {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<SectionReport>;
}

export const SECTIONS: readonly Section[] = Object.freeze([
  {
    name: 'decide',
    description: 'compiled.decide(op, path), cached and uncached, against fs.statSync',
    run: (options: BenchOptions) => {
      const decideOptions: DecideBenchOptions = {};
      if (options.reps !== undefined) decideOptions.reps = options.reps;
      if (options.files !== undefined) decideOptions.files = options.files;
      if (options.progress !== undefined) decideOptions.progress = options.progress;
      return benchDecide(decideOptions);
    },
  },
  {
    name: 'startup',
    description: 'per-sleeve wall time of a 32-sleeve batch through the CLI (.js and .ts) against bare node, concurrency 2',
    run: (options: BenchOptions) => {
      const startupOptions: StartupBenchOptions = {};
      if (options.reps !== undefined) startupOptions.reps = options.reps;
      if (options.progress !== undefined) startupOptions.progress = options.progress;
      return benchStartup(startupOptions);
    },
  },
  {
    name: 'fs-heavy',
    description: "a sleeve's in-process time for 20,000 reads and 2,000 writes, sandboxed against bare node (and node/deno permission flags)",
    run: (options: BenchOptions) => {
      const fsOptions: FsHeavyBenchOptions = {};
      if (options.reps !== undefined) fsOptions.reps = options.reps;
      if (options.files !== undefined) fsOptions.files = options.files;
      if (options.progress !== undefined) fsOptions.progress = options.progress;
      return benchFsHeavy(fsOptions);
    },
  },
  {
    name: 'compute',
    description: "a sleeve's own JavaScript (array, Math, typed-array, Map, JSON and string operations), sandboxed against bare node, per operation",
    run: (options: BenchOptions) => {
      const computeOptions: ComputeBenchOptions = {};
      if (options.reps !== undefined) computeOptions.reps = options.reps;
      if (options.progress !== undefined) computeOptions.progress = options.progress;
      return benchCompute(computeOptions);
    },
  },
  {
    name: 'memory',
    description: 'peak RSS of a trivial sleeve, sandboxed against bare node',
    run: (options: BenchOptions) => {
      const memoryOptions: MemoryBenchOptions = {};
      if (options.reps !== undefined) memoryOptions.reps = options.reps;
      if (options.progress !== undefined) memoryOptions.progress = options.progress;
      return benchMemory(memoryOptions);
    },
  },
  {
    name: 'audit',
    description: "the auditor's added wall time and peak RSS on a 100,000-file lakehouse, against --no-audit and a naive chokidar watch",
    run: (options: BenchOptions) => {
      const auditOptions: AuditBenchOptions = {};
      if (options.reps !== undefined) auditOptions.reps = Math.min(options.reps, 3);
      if (options.progress !== undefined) auditOptions.progress = options.progress;
      return auditSection(auditOptions);
    },
  },
  {
    name: 'audit-changes',
    description:
      "the auditor's added begin+finish time when a sleeve makes 100,000 allowed changes in its run dir over a 100,000-file lakehouse, against no changes",
    run: (options: BenchOptions) => {
      const changesOptions: AuditChangesBenchOptions = {};
      if (options.reps !== undefined) changesOptions.reps = options.reps;
      if (options.files !== undefined) changesOptions.files = options.files;
      if (options.progress !== undefined) changesOptions.progress = options.progress;
      return benchAuditChanges(changesOptions);
    },
  },
  {
    name: 'isolate',
    description:
      'isolate mode: per-sleeve start-up of a trivial sleeve (32-sleeve batch, concurrency 2) against process mode and bare node; 10,000 ctx.fs.readText calls in an isolate against process-mode readFileSync',
    run: (options: BenchOptions) => {
      const isolateOptions: IsolateBenchOptions = {};
      if (options.reps !== undefined) isolateOptions.reps = options.reps;
      if (options.progress !== undefined) isolateOptions.progress = options.progress;
      return benchIsolate(isolateOptions);
    },
  },
  {
    name: 'isolate-platform',
    description: "isolate mode's web platform: what it adds to each isolate's start, and the first URL's lazy load",
    run: (options: BenchOptions) => {
      const platformOptions: IsolatePlatformBenchOptions = {};
      if (options.reps !== undefined) platformOptions.reps = options.reps;
      if (options.progress !== undefined) platformOptions.progress = options.progress;
      return benchIsolatePlatform(platformOptions);
    },
  },
  {
    name: 'policy-diff',
    description: 'diffPolicies on the built-ins (strict vs ingest, strict vs a widened copy) and the whole `policy diff strict ingest` command',
    run: (options: BenchOptions) => {
      const diffOptions: PolicyDiffBenchOptions = {};
      if (options.reps !== undefined) diffOptions.reps = options.reps;
      if (options.progress !== undefined) diffOptions.progress = options.progress;
      return benchPolicyDiff(diffOptions);
    },
  },
  {
    name: 'walkers',
    description: "the auditor's walker against fast-glob and fdir (listing + BigInt lstat of a 50,000-file tree)",
    run: (options: BenchOptions) => {
      const walkersOptions: WalkersBenchOptions = {};
      if (options.reps !== undefined) walkersOptions.reps = options.reps;
      if (options.files !== undefined) walkersOptions.files = options.files;
      if (options.progress !== undefined) walkersOptions.progress = options.progress;
      return benchWalkers(walkersOptions);
    },
  },
  {
    name: 'tsx',
    description: 'a TypeScript sleeve started with node --import tsx against the compile-once-per-batch esbuild bundle, batches of 1 and 8',
    run: (options: BenchOptions) => {
      const tsxOptions: TsxBenchOptions = {};
      if (options.reps !== undefined) tsxOptions.reps = options.reps;
      if (options.progress !== undefined) tsxOptions.progress = options.progress;
      return benchTsx(tsxOptions);
    },
  },
  {
    name: 'runner-start',
    description: "the runner's own start with V8's compile cache (Node >= 22.1) against NODE_DISABLE_COMPILE_CACHE=1: run and policy check",
    run: (options: BenchOptions) => {
      const o: RunnerStartBenchOptions = {};
      if (options.reps !== undefined) o.reps = options.reps;
      if (options.progress !== undefined) o.progress = options.progress;
      return benchRunnerStart(o);
    },
  },
  {
    name: 'pool',
    description:
      'the pre-warmed pool: 32 trivial sleeves at concurrency 1 and 2 against bare node via xargs -P, start latency from "go", .ts against .js, the OS layer per sleeve',
    run: (options: BenchOptions) => {
      const o: PoolBenchOptions = {};
      if (options.reps !== undefined) o.reps = options.reps;
      if (options.progress !== undefined) o.progress = options.progress;
      return benchPool(o);
    },
  },
  {
    name: 'queue',
    description: 'run --queue (BullMQ on a real redis-server) against a local run: overhead per sleeve, and 1 s sleeves on 1, 2 and 3 workers',
    run: (options: BenchOptions) => {
      const queueOptions: QueueBenchOptions = {};
      if (options.reps !== undefined) queueOptions.reps = options.reps;
      if (options.progress !== undefined) queueOptions.progress = options.progress;
      return benchQueue(queueOptions);
    },
  },
  {
    name: 'os-layer',
    description: 'the OS layer (bubblewrap): per-sleeve start-up and fs-heavy in-process time with --os-layer required against off and bare node',
    run: (options: BenchOptions) => {
      const osOptions: OsLayerBenchOptions = {};
      if (options.reps !== undefined) osOptions.reps = options.reps;
      if (options.progress !== undefined) osOptions.progress = options.progress;
      return benchOsLayer(osOptions);
    },
  },
]);

const USAGE = `usage: node dist/bench/run.js [section ...] [--json] [--reps N] [--files N]
sections: ${SECTIONS.map((s) => `${s.name} (${s.description})`).join('; ')}`;

interface Args {
  sections: Section[];
  json: boolean;
  options: BenchOptions;
}

class ArgError extends Error {}

function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1) throw new ArgError(`${flag} expects a positive whole number, got ${JSON.stringify(value ?? '')}`);
  return n;
}

export function parseArgs(argv: readonly string[]): Args {
  const names: string[] = [];
  const options: BenchOptions = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--json') json = true;
    else if (flag === '--reps') options.reps = positiveInt(flag, inline ?? argv[++i]);
    else if (flag === '--files') options.files = positiveInt(flag, inline ?? argv[++i]);
    else if (flag === '--help' || flag === '-h') throw new ArgError('');
    else if (flag.startsWith('-')) throw new ArgError(`unknown option ${flag}`);
    else names.push(flag);
  }
  const sections =
    names.length === 0
      ? [...SECTIONS]
      : names.map((name) => {
          const section = SECTIONS.find((s) => s.name === name);
          if (!section) throw new ArgError(`unknown section ${JSON.stringify(name)}`);
          return section;
        });
  return { sections, json, options };
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof ArgError)) throw error;
    if (error.message) process.stderr.write(`bench: ${error.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return error.message ? 2 : 0;
  }
  const say = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
  const progress = args.options.progress ?? ((message: string) => process.stderr.write(`# ${message}\n`));
  const cpus = os.cpus();
  const env = {
    node: process.version,
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    cpu: `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown'}`,
    tmpdir: os.tmpdir(),
  };
  say(`sleeve-sandbox bench: node ${env.node}, ${env.platform}, ${env.cpu}`);
  const started = process.hrtime.bigint();
  const results: Record<string, unknown> = {};
  for (const section of args.sections) {
    const report = await section.run({ ...args.options, progress });
    say('');
    for (const line of report.lines) say(line);
    results[report.name] = report.json;
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  say('');
  say(`total ${(totalMs / 1000).toFixed(1)} s`);
  if (args.json) process.stdout.write(`${JSON.stringify({ env, totalMs, sections: results })}\n`);
  return 0;
}

function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
