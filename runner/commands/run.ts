/**
 * `sleeve-sandbox run`: validate everything, run the batch, print the
 * summary, and answer with the exit code of the contract:
 * 0 all ok; 1 a sleeve failed; 2 bad input (nothing ran); 3 a denial. 3 > 1.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shadowedBuiltin } from '../../policies/builtin.js';
import { compilePolicy } from '../../policies/engine.js';
import { EXIT, SleeveSandboxError, UsageError } from '../../policies/errors.js';
import { mayOverlap } from '../../policies/lint.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { checkPattern } from '../../policies/patterns.js';
import type { AccountedSleeve } from '../audit/account.js';
import { createAuditor, excludedFromAudit } from '../audit/auditor.js';
import { prepareReportDir, realish, reportDirProblem } from '../audit/report-dir.js';
import {
  type ReportContext,
  buildAuditReport,
  errorReport,
  reportFiles,
  verdictOf,
  writeFinalReports,
  writeReports,
  writeRunningReport,
} from '../audit/report.js';
import type { AuditReport, PolicySourceReport } from '../audit/schema.js';
import { droppedEnv, droppedEnvNotice } from '../batch/env.js';
import { generateRunId } from '../batch/run-id.js';
import { DEFAULT_EXPORT_LIMIT_MIB, exportRunDirs } from '../batch/export-zip.js';
import type { PlannedSleeve } from '../batch/types.js';
import type { Io } from '../io.js';
import { type BatchResult, executeBatch, notStarted } from '../batch/execute.js';
import { type BatchPlan, type RunOptions, planBatch } from '../batch/plan.js';
import { reasonLines } from '../batch/outcome.js';
import { createProgress, displayStatus, escapeTerminal } from '../batch/progress.js';
import type { SleeveResult } from '../batch/types.js';
import { batchAnnotations } from '../reports/github.js';
import { reportRoot } from '../reports/locate.js';

export const SUMMARY_VERSION = 1;
const TOOL_VERSION = (
  JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The batch ledger: <runsDir>/.batches/<batchId>.json names this batch's run ids, so
 * another runner auditing the same workspace at the same time knows those run
 * dirs are not its sleeves' doing. No sleeve policy should grant writes there.
 */
function writeLedger(workspace: string, runsDir: string, batchId: string, runIds: string[]): void {
  const dir = path.join(workspace, runsDir, '.batches');
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
      channel: r.channel,
    })),
  };
}

export interface RunIo extends Io {
  stderrStream: NodeJS.WriteStream;
  onSignal: (handler: (signal: string) => void) => () => void;
}

/** Where each planned step's policy came from, file by file, with the sha256 of the text the loader read. */
export function policySourceOf(s: PlannedSleeve): PolicySourceReport {
  const chain = s.policy.chain.map((c) => ({ name: c.name, file: c.file, kind: c.kind, sha256: c.sha256 }));
  const shadows = s.policy.chain.map(shadowedBuiltin).find((n) => n !== undefined);
  return { shadows: shadows ?? null, chain };
}

/**
 * What the runner's own settings cost the proof: every `--audit-ignore` glob
 * that may reach into a protected zone, and `--no-hash`. Pure.
 */
export function settingsWeakening(o: { ignore: readonly string[]; protect: readonly string[]; hash: boolean }): string[] {
  const out: string[] = [];
  for (const g of o.ignore) {
    const hit = o.protect.find((p) => mayOverlap(g, p));
    if (hit) out.push(`--audit-ignore ${JSON.stringify(g)} leaves part of the protected zone ${JSON.stringify(hit)} out of the audit`);
  }
  if (!o.hash && o.protect.length > 0) out.push(`--no-hash: protected files (${o.protect.map((p) => JSON.stringify(p)).join(', ')}) were compared by their metadata only, not by their content`);
  return out;
}

export async function runCommand(opts: RunOptions, io: RunIo): Promise<number> {
  const plan = planBatch(opts, io.cwd, os.availableParallelism(), { env: io.env });
  if (opts.manifest === undefined && plan.manifest !== undefined) {
    io.stderr(`sleeve-sandbox: manifest ${escapeTerminal(plan.manifest)} (found from the current directory), workspace ${escapeTerminal(plan.workspace)}\n`);
  }
  const ignore = opts.auditIgnore ?? [];
  for (const g of ignore) {
    const bad = checkPattern(g);
    if (bad) throw new UsageError(`--audit-ignore ${JSON.stringify(g)}: ${bad}`);
  }
  const batchId = generateRunId('batch');
  const all = [...plan.prepare, ...plan.sleeves];
  const protect = [...new Set(all.flatMap((s) => s.policy.protect))];
  const reportDir = realish(opts.reportDir ? path.resolve(io.cwd, opts.reportDir) : path.join(plan.workspace, 'reports', batchId));
  // Left out of the audit: the --report-dir, or by default the whole reports/ root (other batches write theirs there).
  const reportExcluded = opts.reportDir ? reportDir : path.dirname(reportDir);
  const sys = createNodeSys(undefined, () => plan.workspace);
  const engines = all.map((s) => ({ ...s, engine: compilePolicy(s.policy, { workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, sys }) }));
  // The report dir and an export dir inside the workspace obey the same rules: not the run root, a protected zone or a sleeve's write zone.
  const placeProblem = (dir: string, flag: string) => reportDirProblem({ dir, workspace: plan.workspace, runsDir: plan.runsDir, protect, sleeves: engines, flag });
  const problem = placeProblem(reportExcluded, opts.reportDir ? `--report-dir ${JSON.stringify(opts.reportDir)}` : `the reports root ${reportExcluded}`);
  if (problem) throw new UsageError(problem);
  const exporting = exportSettings(opts, io.cwd, plan.workspace, reportDir, placeProblem);
  const auditing = opts.audit !== false;
  const hash = opts.hash !== false;
  const excluded = auditing ? excludedFromAudit({ workspace: plan.workspace, ignore, excludeAbs: [reportExcluded] }) : [];
  const weakened = auditing ? settingsWeakening({ ignore, protect, hash }) : [];
  const policySources = all.map(policySourceOf);
  const envDropped = all.map((s) => droppedEnv(s.policy, io.env, s.env, s.name));
  const steps = all.map((s) => ({ entry: s.entry, policy: s.policy }));
  const pool = { cpus: plan.pool.cpus, memoryMiB: plan.pool.memoryMiB, concurrency: plan.concurrency };
  const ctx: ReportContext = { batchId, toolVersion: TOOL_VERSION, ignore, protect, excluded, weakened, policySources, envDropped, steps, pool };
  const notes: string[] = [];
  for (const [i, src] of policySources.entries()) {
    const s = all[i] as PlannedSleeve;
    if (src.shadows) notes.push(`sleeve-sandbox: ${escapeTerminal(s.name)}: policy "${escapeTerminal(s.policy.name)}" comes from the workspace (${escapeTerminal(src.chain.find((c) => shadowedBuiltin(c) !== undefined)?.file ?? '')}), which shadows the built-in "${src.shadows}"`);
  }
  notes.push(...droppedEnvNotice(all.map((s, i) => ({ sleeve: s.name, policy: s.policy, dropped: envDropped[i] ?? [] }))).map(escapeTerminal));
  for (const n of new Set(notes)) io.stderr(`${n}\n`);
  const auditor = auditing
    ? createAuditor({ workspace: plan.workspace, ignore, excludeAbs: [reportExcluded], protect, hash, watch: true, runsDir: plan.runsDir })
    : undefined;
  const progress = createProgress(io.stderrStream, io.env);
  let reportDirMade: { created: boolean } | undefined;
  let batch: BatchResult | undefined;
  try {
    batch = await executeBatch(plan, {
      parentEnv: io.env,
      progress,
      logLimitBytes: Math.round((opts.logLimitMiB ?? 64) * 1024 * 1024),
      onInterrupt: io.onSignal,
      beforeStart: async () => {
        // The reports exist, and are the runner's, before anything of a sleeve runs.
        try {
          reportDirMade = prepareReportDir(reportDir, !opts.reportDir);
        } catch (error) {
          throw new UsageError(`${ctx.batchId}: cannot use the report dir: ${(error as Error).message}; nothing was run`);
        }
        writeRunningReport(reportDir, runningReport(plan, ctx, auditing));
        await auditor?.begin();
        writeLedger(plan.workspace, plan.runsDir, batchId, all.map((s) => s.runId));
      },
    });
  } catch (error) {
    await auditor?.abort();
    if (error instanceof SleeveSandboxError && error.exitCode === EXIT.usage) {
      // Nothing ran: take back what this batch made.
      if (reportDirMade?.created) rmSync(reportDir, { recursive: true, force: true });
      else if (reportDirMade) rmSync(reportFiles(reportDir).json, { force: true });
    } else if (reportDirMade) {
      writeErrorReport(reportDir, ctx, plan.workspace, error, io);
    }
    throw error;
  }
  const done = batch;
  let report: AuditReport;
  let files: ReturnType<typeof writeReports>;
  try {
    const finished = await writeFinalReports({
      dir: reportDir,
      env: io.env,
      root: reportRoot(io.env, io.cwd),
      build: async () => {
        const audit = auditor ? await auditor.finish(accounted(done, all), batchId) : undefined;
        // After the audit's finish: the sleeves are gone and this batch's auditor never sees the zips.
        const exported = exporting
          ? await exportRunDirs({ dir: exporting.dir, limitBytes: exporting.limitBytes, runs: done.results.map((r) => ({ sleeve: r.name, runId: r.runId, runDir: r.runDir })) })
          : undefined;
        return buildAuditReport(done, audit, exported ? { ...ctx, export: exported } : ctx);
      },
      fallback: (error) => errorReport(ctx, done.workspace, error, done.startedAt),
    });
    report = finished.report;
    files = finished.files;
    if (finished.error) {
      io.stderr(`sleeve-sandbox: internal error while building the report: ${escapeTerminal(String((finished.error as Error)?.stack ?? finished.error))}\n`);
    }
  } finally {
    done.release();
  }
  // An export that failed fails the run, whatever the verdict (which is about the sandbox, not the delivery).
  const code = report.export?.error && report.exitCode === EXIT.ok ? EXIT.sleeveFailed : (report.exitCode ?? EXIT.internal);
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
    lines.push(`  violation: ${v.change} ${escapeTerminal(v.path)} (${v.time ?? 'time unknown'}; suspects: ${v.suspects.map(escapeTerminal).join(', ') || 'none'}): ${escapeTerminal(v.why)}`);
  }
  for (const r of done.results) {
    for (const d of r.denials) {
      lines.push(`  ${escapeTerminal(r.name)}: ${escapeTerminal(d.op)} denied: ${escapeTerminal(d.path)} (policy ${escapeTerminal(r.policy)}, ${escapeTerminal(d.rule)}: ${escapeTerminal(d.reason)})${d.count > 1 ? ` x${d.count}` : ''}`);
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
    for (const z of x.zips) for (const k of z.skipped) lines.push(`  export: ${escapeTerminal(z.sleeve)}: not stored: ${escapeTerminal(k.path)} (${escapeTerminal(k.why)})`);
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

/**
 * `--export zip`, `--export-dir`, `--export-limit`: checked before anything
 * runs. The default dir is `<report dir>/artifacts` (left out of every
 * batch's audit with the reports root); one given inside the workspace obeys
 * the report dir's rules (not the run root, a protected zone, or a sleeve's
 * write zone), so no sleeve can plant or swap a zip, and no export touches
 * what the audit protects.
 */
function exportSettings(opts: RunOptions, cwd: string, workspace: string, reportDir: string, problemOf: (dir: string, flag: string) => string | undefined): { dir: string; limitBytes: number } | undefined {
  if (opts.export === undefined) {
    if (opts.exportDir !== undefined) throw new UsageError('--export-dir needs --export zip');
    if (opts.exportLimitMiB !== undefined) throw new UsageError('--export-limit needs --export zip');
    return undefined;
  }
  if (opts.export !== 'zip') throw new UsageError(`--export must be "zip", got ${JSON.stringify(opts.export)}`);
  const limitBytes = Math.round((opts.exportLimitMiB ?? DEFAULT_EXPORT_LIMIT_MIB) * 1024 * 1024);
  if (opts.exportDir === undefined) return { dir: path.join(reportDir, 'artifacts'), limitBytes };
  const dir = realish(path.resolve(cwd, opts.exportDir));
  // Outside the workspace anything goes (a dir that contains the workspace is only written <runId>.zip into).
  const inside = dir === workspace || dir.startsWith(`${workspace}/`);
  const problem = inside ? problemOf(dir, `--export-dir ${JSON.stringify(opts.exportDir)}`) : undefined;
  if (problem) throw new UsageError(problem);
  return { dir, limitBytes };
}

/** What the auditor needs of each result: where it may write, what it reported, when it ran. */
function accounted(batch: BatchResult, all: readonly PlannedSleeve[]): AccountedSleeve[] {
  return batch.results.map((r, i) => {
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
  });
}

/** The early report: every step queued, verdict running, no exit code yet. */
function runningReport(plan: BatchPlan, ctx: ReportContext, auditing: boolean): AuditReport {
  const now = new Date().toISOString();
  const results = [...plan.prepare, ...plan.sleeves].map((s) => notStarted(s, 'queued'));
  const report = buildAuditReport({ workspace: plan.workspace, startedAt: now, endedAt: now, interrupted: null, results, release: () => {} }, undefined, ctx);
  return { ...report, verdict: 'running', exitCode: null, integrity: { ...report.integrity, audited: auditing } };
}


function writeErrorReport(dir: string, ctx: ReportContext, workspace: string, error: unknown, io: Io): void {
  try {
    writeReports(dir, errorReport(ctx, workspace, error, new Date().toISOString()), io.env);
  } catch (second) {
    io.stderr(`sleeve-sandbox: could not write even the error report to ${escapeTerminal(dir)}: ${escapeTerminal(String(second))}\n`);
  }
}
