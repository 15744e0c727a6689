/**
 * `sleeve-sandbox run`: validate everything, run the batch, print the
 * summary, and answer with the exit code of the contract:
 * 0 all ok; 1 a sleeve failed; 2 bad input (nothing ran); 3 a denial. 3 > 1.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../policies/errors.js';
import { checkPattern } from '../../policies/patterns.js';
import { createAuditor } from '../audit/auditor.js';
import { buildAuditReport, verdictOf, writeReports } from '../audit/report.js';
import { generateRunId } from '../batch/run-id.js';
import type { PlannedSleeve } from '../batch/types.js';
import type { Io } from '../cli.js';
import { type BatchResult, executeBatch } from '../batch/execute.js';
import { type RunOptions, planBatch } from '../batch/plan.js';
import { createProgress, displayStatus, escapeTerminal } from '../batch/progress.js';
import type { SleeveResult } from '../batch/types.js';

export const SUMMARY_VERSION = 1;
const TOOL_VERSION = (
  JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The batch ledger: runs/.batches/<batchId>.json names this batch's run ids, so
 * another runner auditing the same workspace at the same time knows those run
 * dirs are not its sleeves' doing. No sleeve policy should grant writes there.
 */
function writeLedger(workspace: string, batchId: string, runIds: string[]): void {
  const dir = path.join(workspace, 'runs', '.batches');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${batchId}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ batchId, pid: process.pid, startedAt: new Date().toISOString(), runIds })}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The exit code of the contract for these results, before any audit: one rule, in verdictOf. */
export function exitCodeOf(results: readonly SleeveResult[]): number {
  return verdictOf(results, 0).exitCode;
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
      mode: r.mode,
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
      ...(r.isolate ? { isolate: r.isolate } : {}),
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
  const plan = planBatch(opts, io.cwd, os.availableParallelism(), { env: io.env });
  const ignore = opts.auditIgnore ?? [];
  for (const g of ignore) {
    const bad = checkPattern(g);
    if (bad) throw new UsageError(`--audit-ignore ${JSON.stringify(g)}: ${bad}`);
  }
  const batchId = generateRunId('batch');
  const reportsRoot = path.join(plan.workspace, 'reports');
  const reportDir = opts.reportDir ? path.resolve(io.cwd, opts.reportDir) : path.join(reportsRoot, batchId);
  const all = [...plan.prepare, ...plan.sleeves];
  const protect = [...new Set(all.flatMap((s) => s.policy.protect))];
  const auditing = opts.audit !== false;
  const auditor = auditing
    ? createAuditor({
        workspace: plan.workspace,
        ignore,
        excludeAbs: [opts.reportDir ? reportDir : reportsRoot],
        protect,
        hash: opts.hash !== false,
        watch: true,
      })
    : undefined;
  const progress = createProgress(io.stderrStream, io.env);
  let batch: BatchResult;
  try {
    batch = await executeBatch(plan, {
      parentEnv: io.env,
      progress,
      logLimitBytes: Math.round((opts.logLimitMiB ?? 64) * 1024 * 1024),
      onInterrupt: io.onSignal,
      beforeStart: async () => {
        await auditor?.begin();
        writeLedger(plan.workspace, batchId, all.map((s) => s.runId));
      },
    });
  } catch (error) {
    await auditor?.abort();
    throw error;
  }
  const audit = auditor
    ? await auditor.finish(
        batch.results.map((r, i) => {
          const startedMs = r.startedAt ? Date.parse(r.startedAt) : null;
          return {
            name: r.name,
            kind: r.kind,
            runId: r.runId,
            runDir: r.runDir,
            policy: (all[i] as PlannedSleeve).policy,
            writes: new Set(r.writes),
            osLayer: r.os?.used === true,
            startedMs,
            endedMs: startedMs === null ? null : startedMs + r.durationMs,
          };
        }),
        batchId,
      )
    : undefined;
  const report = buildAuditReport(batch, audit, { batchId, toolVersion: TOOL_VERSION, ignore, protect });
  let files: ReturnType<typeof writeReports>;
  try {
    files = writeReports(reportDir, report, io.env);
  } finally {
    batch.release();
  }
  const code = report.exitCode;
  const lines: string[] = [];
  const ok = batch.results.filter((r) => displayStatus(r) === 'ok').length;
  lines.push(
    `sleeve-sandbox: ${ok}/${batch.results.length} ok${batch.interrupted ? `, interrupted by ${batch.interrupted}` : ''}; ` +
      `audit ${auditing ? report.verdict : 'off'}${auditing ? ` (${report.integrity.filesChecked} entries, ${report.violations.length} violation(s), ${batch.results.reduce((n, r) => n + r.denials.length, 0)} denial(s))` : ''}; exit ${code}`,
  );
  for (const v of report.violations) {
    lines.push(`  violation: ${v.change} ${escapeTerminal(v.path)} (${v.time ?? 'time unknown'}; suspects: ${v.suspects.join(', ') || 'none'}): ${v.why}`);
  }
  for (const r of batch.results) {
    for (const d of r.denials) {
      lines.push(`  ${escapeTerminal(r.name)}: ${d.op} denied: ${escapeTerminal(d.path)} (policy ${r.policy}, ${escapeTerminal(d.rule)}: ${escapeTerminal(d.reason)})${d.count > 1 ? ` x${d.count}` : ''}`);
    }
    if (r.status !== 'ok' && r.status !== 'cancelled' && r.status !== 'skipped') {
      lines.push(`  ${escapeTerminal(r.name)}: ${r.status}; logs in ${escapeTerminal(r.logs.stderr)}`);
    }
  }
  lines.push(`  reports: ${files.json}, ${files.markdown}, ${files.junit}`);
  io.stderr(`${lines.join('\n')}\n`);
  if (opts.json) {
    const summary = { ...summaryJson(batch, code), verdict: report.verdict, violations: report.violations, reports: files };
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  }
  return code;
}
