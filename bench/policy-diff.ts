/**
 * Benchmark section "policy-diff": median time of `diffPolicies` on the
 * built-in policies (strict vs ingest, strict vs a widened copy of strict) and
 * of the whole CLI command (`policy diff strict ingest`, a fresh node process).
 * The target: `policy diff` on the built-ins in < 200 ms.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffPolicies } from '../policies/diff.js';
import { loadPolicy } from '../policies/loader.js';
import { createNodeSys } from '../policies/node-sys.js';
import type { ResolvedPolicy } from '../policies/types.js';
import { type SectionReport, median } from './policy-decide.js';

export interface PolicyDiffBenchOptions {
  reps?: number;
  progress?: (message: string) => void;
}

export const POLICY_DIFF_TARGET_MS = 200;
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'sleeve-sandbox.js');

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function benchPolicyDiff(options: PolicyDiffBenchOptions = {}): Promise<SectionReport> {
  const reps = options.reps ?? 9;
  const progress = options.progress ?? (() => {});
  const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-bench-diff-')));
  try {
    fs.mkdirSync(path.join(ws, 'data', 'lakehouse'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'runs'), { recursive: true });
    const sys = createNodeSys(undefined, () => ws);
    const strict = loadPolicy('strict', { workspace: ws, sys }).policy;
    const ingest = loadPolicy('ingest', { workspace: ws, sys }).policy;
    const widened: ResolvedPolicy = {
      ...strict,
      name: 'strict-widened',
      fs: {
        ...strict.fs,
        read: {
          allow: [...strict.fs.read.allow, { pattern: 'runs/**', origin: { file: 'mem', line: 1, column: 1, jsonPath: '' } }],
          deny: strict.fs.read.deny,
        },
      },
    };
    progress(`policy-diff: ${reps} repetitions ...`);
    const samples = { strictIngest: [] as number[], strictWidened: [] as number[], cli: [] as number[], checkCli: [] as number[] };
    diffPolicies(strict, ingest, { workspace: ws, sys }); // warm-up
    for (let i = 0; i < reps; i++) {
      samples.strictIngest.push(timeMs(() => diffPolicies(strict, ingest, { workspace: ws, sys })));
      samples.strictWidened.push(timeMs(() => diffPolicies(strict, widened, { workspace: ws, sys })));
      samples.cli.push(
        timeMs(() => {
          const r = spawnSync(process.execPath, [bin, 'policy', 'diff', 'strict', 'ingest'], { cwd: ws, encoding: 'utf8' });
          if (r.status !== 0) throw new Error(`policy diff failed: ${r.stderr}`);
        }),
      );
      // Baseline: the CLI's own start-up, measured with the cheapest policy command.
      samples.checkCli.push(timeMs(() => spawnSync(process.execPath, [bin, 'policy', 'check', 'strict', 'read', 'data/x'], { cwd: ws, encoding: 'utf8' })));
    }
    const m = {
      strictIngest: median(samples.strictIngest),
      strictWidened: median(samples.strictWidened),
      cli: median(samples.cli),
      checkCli: median(samples.checkCli),
    };
    const pass = m.cli < POLICY_DIFF_TARGET_MS;
    return {
      name: 'policy-diff',
      lines: [
        `policy-diff: median of ${reps} reps`,
        `  diffPolicies strict vs ingest            ${m.strictIngest.toFixed(1).padStart(7)} ms`,
        `  diffPolicies strict vs strict+runs/**    ${m.strictWidened.toFixed(1).padStart(7)} ms`,
        `  CLI policy diff strict ingest (process)  ${m.cli.toFixed(1).padStart(7)} ms   (target < ${POLICY_DIFF_TARGET_MS} ms)  ${pass ? 'PASS' : 'MISS'}`,
        `  CLI policy check (start-up baseline)     ${m.checkCli.toFixed(1).padStart(7)} ms   diff adds ${(m.cli - m.checkCli).toFixed(1)} ms`,
        `  load average ${os.loadavg()[0]?.toFixed(2)} on ${os.cpus().length} cpus`,
      ],
      json: { reps, loadAverage: os.loadavg()[0], medianMs: m, samplesMs: samples, targetMs: POLICY_DIFF_TARGET_MS, pass },
    };
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
