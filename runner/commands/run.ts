/**
 * `sleeve-sandbox run`: validate everything, run the batch, print the
 * summary, and answer with the exit code of the contract:
 * 0 all ok; 1 a sleeve failed; 2 bad input (nothing ran); 3 a denial. 3 > 1.
 */
import os from 'node:os';
import { formatWithOptions } from 'node:util';
import { EXIT } from '../../policies/errors.js';
import type { Io } from '../cli.js';
import { type BatchResult, executeBatch } from '../batch/execute.js';
import { type RunOptions, planBatch } from '../batch/plan.js';
import { createProgress, displayStatus, escapeTerminal } from '../batch/progress.js';
import type { SleeveResult } from '../batch/types.js';

export const SUMMARY_VERSION = 1;

export function exitCodeOf(results: readonly SleeveResult[]): number {
  if (results.some((r) => r.denials.length > 0)) return EXIT.denied;
  if (results.some((r) => r.status !== 'ok')) return EXIT.sleeveFailed;
  return EXIT.ok;
}

export function summaryJson(batch: BatchResult, exitCode: number): Record<string, unknown> {
  return {
    version: SUMMARY_VERSION,
    workspace: batch.workspace,
    startedAt: batch.startedAt,
    endedAt: batch.endedAt,
    interrupted: batch.interrupted,
    exitCode,
    sleeves: batch.results.map((r) => ({
      name: r.name,
      kind: r.kind,
      runId: r.runId,
      runDir: r.runDir,
      policy: r.policy,
      status: r.status,
      display: displayStatus(r),
      exitCode: r.exitCode,
      signal: r.signal,
      durationMs: r.durationMs,
      layers: r.layers,
      denials: r.denials,
      writesCount: r.writes.length,
      logs: r.logs,
      ...(r.usage ? { usage: r.usage } : {}),
      ...(r.error ? { error: r.error } : {}),
      channelRejected: r.channelRejected,
    })),
  };
}

export interface RunIo extends Io {
  stderrStream: NodeJS.WriteStream;
  onSignal: (handler: (signal: string) => void) => () => void;
}

export async function runCommand(opts: RunOptions, io: RunIo): Promise<number> {
  const plan = planBatch(opts, io.cwd, os.availableParallelism());
  const progress = createProgress(io.stderrStream, io.env);
  const batch = await executeBatch(plan, {
    parentEnv: io.env,
    progress,
    logLimitBytes: Math.round((opts.logLimitMiB ?? 64) * 1024 * 1024),
    onInterrupt: io.onSignal,
  });
  const code = exitCodeOf(batch.results);
  const lines: string[] = [];
  const ok = batch.results.filter((r) => displayStatus(r) === 'ok').length;
  lines.push(`sleeve-sandbox: ${ok}/${batch.results.length} ok${batch.interrupted ? `, interrupted by ${batch.interrupted}` : ''}; exit ${code}`);
  for (const r of batch.results) {
    for (const d of r.denials) {
      lines.push(`  ${escapeTerminal(r.name)}: ${d.op} denied: ${escapeTerminal(d.path)} (policy ${r.policy}, ${escapeTerminal(d.rule)}: ${escapeTerminal(d.reason)})${d.count > 1 ? ` x${d.count}` : ''}`);
    }
    if (r.status !== 'ok' && r.status !== 'cancelled' && r.status !== 'skipped') {
      lines.push(`  ${escapeTerminal(r.name)}: ${r.status}; logs in ${escapeTerminal(r.logs.stderr)}`);
    }
  }
  io.stderr(`${lines.join('\n')}\n`);
  if (opts.json) io.stdout(`${formatWithOptions({}, '%s', JSON.stringify(summaryJson(batch, code), null, 2))}\n`);
  return code;
}
