/**
 * `sleeve-sandbox run`: validate everything, run the batch, print the
 * summary, and answer with the exit code of the contract:
 * 0 all ok; 1 a sleeve failed; 2 bad input (nothing ran); 3 a denial. 3 > 1.
 */
import { randomBytes } from 'node:crypto';
import { verdictOf } from '../audit/report.js';
import type { BatchResult } from '../batch/execute.js';
import { reasonLines } from '../batch/outcome.js';
import type { RunOptions } from '../batch/plan.js';
import { policySourceOf, runBatch, settingsWeakening } from '../batch/run-batch.js';
import { createProgress, displayStatus, escapeTerminal } from '../batch/progress.js';
import type { SleeveResult } from '../batch/types.js';
import type { Io } from '../io.js';
import { batchAnnotations } from '../reports/github.js';
import { reportRoot } from '../reports/locate.js';

/** Moved to the library API (runner/batch/run-batch.ts); re-exported for the modules and tests that import them from here. */
export { policySourceOf, settingsWeakening };

export const SUMMARY_VERSION = 1;

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
      ...(r.start ? { start: r.start } : {}),
      layers: r.layers,
      denials: r.denials,
      writesCount: r.writes.length,
      logs: r.logs,
      ...(r.usage ? { usage: r.usage } : {}),
      ...(r.isolate ? { isolate: r.isolate } : {}),
      ...(r.error ? { error: r.error } : {}),
      channel: r.channel,
    })),
  };
}

export interface RunIo extends Io {
  stderrStream: NodeJS.WriteStream;
  onSignal: (handler: (signal: string) => void) => () => void;
}

export async function runCommand(opts: RunOptions, io: RunIo): Promise<number> {
  const {
    batch: done,
    report,
    files,
    exitCode: code,
    audited: auditing,
    reportError,
  } = await runBatch(opts, {
    cwd: io.cwd,
    env: io.env,
    progress: () => createProgress(io.stderrStream, io.env),
    note: (text) => io.stderr(`${text}\n`),
    onInterrupt: io.onSignal,
    planned: (plan) => {
      if (opts.manifest === undefined && plan.manifest !== undefined) {
        io.stderr(
          `sleeve-sandbox: manifest ${escapeTerminal(plan.manifest)} (found from the current directory), workspace ${escapeTerminal(plan.workspace)}\n`,
        );
      }
    },
  });
  if (reportError !== undefined) {
    io.stderr(`sleeve-sandbox: internal error while building the report: ${escapeTerminal(String((reportError as Error)?.stack ?? reportError))}\n`);
  }
  const lines: string[] = [];
  const ok = done.results.filter((r) => displayStatus(r) === 'ok').length;
  const denialCount = done.results.reduce((n, r) => n + r.denials.length, 0);
  lines.push(
    `sleeve-sandbox: ${ok}/${done.results.length} ok${done.interrupted ? `, interrupted by ${done.interrupted}` : ''}; ` +
      `verdict ${report.verdict}${auditing ? ` (${report.integrity.filesChecked} entries, ${report.violations.length} violation(s), ${denialCount} denial(s))` : ` (audit off, ${denialCount} denial(s))`}; exit ${code}`,
  );
  for (const w of report.weakened) lines.push(`  not proven: ${escapeTerminal(w)}`);
  if (report.error) lines.push(`  error: ${escapeTerminal(report.error)}`);
  for (const v of report.violations) {
    lines.push(
      `  violation: ${v.change} ${escapeTerminal(v.path)} (${v.time ?? 'time unknown'}; suspects: ${v.suspects.map(escapeTerminal).join(', ') || 'none'}): ${escapeTerminal(v.why)}`,
    );
  }
  for (const r of done.results) {
    for (const d of r.denials) {
      lines.push(
        `  ${escapeTerminal(r.name)}: ${escapeTerminal(d.op)} denied: ${escapeTerminal(d.path)} (policy ${escapeTerminal(r.policy)}, ${escapeTerminal(d.rule)}: ${escapeTerminal(d.reason)})${d.count > 1 ? ` x${d.count}` : ''}`,
      );
    }
    if (r.status !== 'ok' && r.status !== 'cancelled' && r.status !== 'skipped') {
      lines.push(`  ${escapeTerminal(r.name)}: ${r.status}${r.error ? ` (${escapeTerminal(r.error)})` : ''}; logs in ${escapeTerminal(r.logs.stderr)}`);
      for (const l of reasonLines(r.stderrTail ?? [])) lines.push(`    | ${escapeTerminal(l)}`);
    } else if (r.status === 'skipped' && r.error) {
      lines.push(`  ${escapeTerminal(r.name)}: skipped (${escapeTerminal(r.error)})`);
    }
  }
  if (report.export) {
    const x = report.export;
    if (x.error) lines.push(`  export: ${escapeTerminal(x.error)}`);
    else lines.push(`  artifacts: ${x.zips.length} zip(s) in ${escapeTerminal(x.dir)}`);
    for (const z of x.zips)
      for (const k of z.skipped) lines.push(`  export: ${escapeTerminal(z.sleeve)}: not stored: ${escapeTerminal(k.path)} (${escapeTerminal(k.why)})`);
  }
  lines.push(`  reports: ${escapeTerminal(files.json)}, ${escapeTerminal(files.markdown)}, ${escapeTerminal(files.junit)}, ${escapeTerminal(files.sarif)}`);
  io.stderr(`${lines.join('\n')}\n`);
  if (io.env.GITHUB_ACTIONS === 'true') {
    // Workflow commands on stdout, where GitHub documents them; with --json stdout is the summary, so stderr (the runner reads both).
    const annotations = batchAnnotations(report, { root: reportRoot(io.env, io.cwd), token: randomBytes(16).toString('hex') });
    if (annotations.length > 0) (opts.json ? io.stderr : io.stdout)(`${annotations.join('\n')}\n`);
  }
  if (opts.json) {
    const summary = { ...summaryJson(done, code), verdict: report.verdict, weakened: report.weakened, violations: report.violations, reports: files };
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  }
  return code;
}
