/**
 * The core of `sleeve-sandbox run`, shared by the CLI (runner/commands/run.ts)
 * and the library API (runner/api.ts): plan, check, run, audit, export and
 * write the reports. It prints nothing: notices and progress go to the
 * caller's callbacks, errors are thrown typed (exit 2 before anything is
 * created), and the caller decides how to be stopped (SIGINT, an AbortSignal).
 */
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
  type WrittenReports,
  buildAuditReport,
  errorReport,
  reportFiles,
  writeFinalReports,
  writeReports,
  writeRunningReport,
} from '../audit/report.js';
import type { AuditReport, PolicySourceReport } from '../audit/schema.js';
import { droppedEnv, droppedEnvNotice } from './env.js';
import { DEFAULT_EXPORT_LIMIT_MIB, exportRunDirs } from './export-zip.js';
import { type BatchResult, executeBatch, notStarted } from './execute.js';
import { type BatchPlan, type RunOptions, planBatch, stepsOf } from './plan.js';
import type { Progress } from './progress.js';
import { escapeTerminal } from './progress.js';
import { generateRunId } from './run-id.js';
import type { PlannedSleeve } from './types.js';
import { reportRoot } from '../reports/locate.js';
import { queuedExecutor, remoteOf } from '../queue/submit.js';

const TOOL_VERSION = (
  JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** What the core needs of its caller: the environment, where it is, how to report, how to be stopped. */
export interface BatchDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Made where the batch starts (after every check), so a refused batch leaves no live display behind. */
  progress: () => Progress;
  /** Notices before the batch (shadowed policies, dropped env), and a failure to write even the error report. */
  note: (text: string) => void;
  /** Registers the handler that stops the batch; returns its remover. */
  onInterrupt: (stop: (signal: string) => void) => () => void;
  /** After planning, before anything else (the CLI names the manifest it found). */
  planned?: (plan: BatchPlan) => void;
}

export interface BatchOutcome {
  plan: BatchPlan;
  batch: BatchResult;
  report: AuditReport;
  files: WrittenReports;
  /** The exit code of the contract (an export that failed fails an otherwise ok run). */
  exitCode: number;
  audited: boolean;
  /** The report could not be built (the report written is the error report). */
  reportError?: unknown;
}

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
  if (!o.hash && o.protect.length > 0)
    out.push(`--no-hash: protected files (${o.protect.map((p) => JSON.stringify(p)).join(', ')}) were compared by their metadata only, not by their content`);
  return out;
}

/** The core of `run`: plan, check, run, audit, export, write the reports. Prints nothing itself. */
export async function runBatch(opts: RunOptions, deps: BatchDeps): Promise<BatchOutcome> {
  const plan = planBatch(opts, deps.cwd, os.availableParallelism(), { env: deps.env });
  deps.planned?.(plan);
  const ignore = opts.auditIgnore ?? [];
  for (const g of ignore) {
    const bad = checkPattern(g);
    if (bad) throw new UsageError(`--audit-ignore ${JSON.stringify(g)}: ${bad}`);
  }
  const batchId = generateRunId('batch');
  const all = stepsOf(plan);
  const protect = [...new Set(all.flatMap((s) => s.policy.protect))];
  const reportDir = realish(opts.reportDir ? path.resolve(deps.cwd, opts.reportDir) : path.join(plan.workspace, 'reports', batchId));
  // Left out of the audit: the --report-dir, or by default the whole reports/ root (other batches write theirs there).
  const reportExcluded = opts.reportDir ? reportDir : path.dirname(reportDir);
  const sys = createNodeSys(undefined, () => plan.workspace);
  const engines = all.map((s) => ({ ...s, engine: compilePolicy(s.policy, { workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, sys }) }));
  // The report dir and an export dir inside the workspace obey the same rules: not the run root, a protected zone or a sleeve's write zone.
  const placeProblem = (dir: string, flag: string) =>
    reportDirProblem({ dir, workspace: plan.workspace, runsDir: plan.runsDir, protect, sleeves: engines, flag });
  const problem = placeProblem(reportExcluded, opts.reportDir ? `--report-dir ${JSON.stringify(opts.reportDir)}` : `the reports root ${reportExcluded}`);
  if (problem) throw new UsageError(problem);
  const exporting = exportSettings(opts, deps.cwd, plan.workspace, reportDir, placeProblem);
  const auditing = opts.audit !== false;
  const hash = opts.hash !== false;
  const excluded = auditing ? excludedFromAudit({ workspace: plan.workspace, ignore, excludeAbs: [reportExcluded] }) : [];
  const weakened = auditing ? settingsWeakening({ ignore, protect, hash }) : [];
  const policySources = all.map(policySourceOf);
  const envDropped = all.map((s) => droppedEnv(s.policy, deps.env, s.env, s.name));
  const steps = all.map((s) => ({ entry: s.entry, policy: s.policy }));
  const pool = { cpus: plan.pool.cpus, memoryMiB: plan.pool.memoryMiB, concurrency: plan.concurrency };
  const ctx: ReportContext = { batchId, toolVersion: TOOL_VERSION, ignore, protect, excluded, weakened, policySources, envDropped, steps, pool };
  const notes: string[] = [];
  for (const [i, src] of policySources.entries()) {
    const s = all[i] as PlannedSleeve;
    if (src.shadows)
      notes.push(
        `sleeve-sandbox: ${escapeTerminal(s.name)}: policy "${escapeTerminal(s.policy.name)}" comes from the workspace (${escapeTerminal(src.chain.find((c) => shadowedBuiltin(c) !== undefined)?.file ?? '')}), which shadows the built-in "${src.shadows}"`,
      );
  }
  notes.push(...droppedEnvNotice(all.map((s, i) => ({ sleeve: s.name, policy: s.policy, dropped: envDropped[i] ?? [] }))).map(escapeTerminal));
  for (const n of new Set(notes)) deps.note(n);
  const auditor = auditing
    ? createAuditor({ workspace: plan.workspace, ignore, excludeAbs: [reportExcluded], protect, hash, watch: true, runsDir: plan.runsDir })
    : undefined;
  const progress = deps.progress();
  let reportDirMade: { created: boolean } | undefined;
  let batch: BatchResult | undefined;
  try {
    // --queue: the same plan and checks, the sleeves on the queue's workers (runner/queue/submit.ts).
    batch = await (opts.queue === undefined ? executeBatch : queuedExecutor(opts, batchId, deps.env))(plan, {
      parentEnv: deps.env,
      progress,
      logLimitBytes: Math.round((opts.logLimitMiB ?? 64) * 1024 * 1024),
      onInterrupt: deps.onInterrupt,
      beforeStart: async () => {
        // The reports exist, and are the runner's, before anything of a sleeve runs.
        try {
          reportDirMade = prepareReportDir(reportDir, !opts.reportDir);
        } catch (error) {
          throw new UsageError(`${ctx.batchId}: cannot use the report dir: ${(error as Error).message}; nothing was run`);
        }
        writeRunningReport(reportDir, runningReport(plan, ctx, auditing));
        await auditor?.begin();
        writeLedger(
          plan.workspace,
          plan.runsDir,
          batchId,
          all.map((s) => s.runId),
        );
      },
    });
  } catch (error) {
    await auditor?.abort();
    if (error instanceof SleeveSandboxError && error.exitCode === EXIT.usage) {
      // Nothing ran: take back what this batch made.
      if (reportDirMade?.created) rmSync(reportDir, { recursive: true, force: true });
      else if (reportDirMade) rmSync(reportFiles(reportDir).json, { force: true });
    } else if (reportDirMade) {
      writeErrorReport(reportDir, ctx, plan.workspace, error, deps);
    }
    throw error;
  }
  const done = batch;
  let report: AuditReport;
  let files: WrittenReports;
  let reportError: unknown;
  try {
    const finished = await writeFinalReports({
      dir: reportDir,
      env: deps.env,
      root: reportRoot(deps.env, deps.cwd),
      build: async () => {
        const audit = auditor ? await auditor.finish(accounted(done, all), batchId) : undefined;
        // After the audit's finish: the sleeves are gone and this batch's auditor never sees the zips.
        const exported = exporting
          ? await exportRunDirs({
              dir: exporting.dir,
              limitBytes: exporting.limitBytes,
              runs: done.results.map((r) => ({ sleeve: r.name, runId: r.runId, runDir: r.runDir })),
            })
          : undefined;
        const built = buildAuditReport(done, audit, exported ? { ...ctx, export: exported } : ctx);
        return remoteOf(done)?.merge(built) ?? built; // --queue: the workers' audits folded in
      },
      fallback: (error) => errorReport(ctx, done.workspace, error, done.startedAt),
    });
    report = finished.report;
    files = finished.files;
    if (finished.error) reportError = finished.error;
  } finally {
    done.release();
  }
  // An export that failed fails the run, whatever the verdict (which is about the sandbox, not the delivery).
  const exitCode = report.export?.error && report.exitCode === EXIT.ok ? EXIT.sleeveFailed : (report.exitCode ?? EXIT.internal);
  return { plan, batch: done, report, files, exitCode, audited: auditing, ...(reportError === undefined ? {} : { reportError }) };
}

/**
 * `--export zip`, `--export-dir`, `--export-limit`: checked before anything
 * runs. The default dir is `<report dir>/artifacts` (left out of every
 * batch's audit with the reports root); one given inside the workspace obeys
 * the report dir's rules (not the run root, a protected zone, or a sleeve's
 * write zone), so no sleeve can plant or swap a zip, and no export touches
 * what the audit protects.
 */
function exportSettings(
  opts: RunOptions,
  cwd: string,
  workspace: string,
  reportDir: string,
  problemOf: (dir: string, flag: string) => string | undefined,
): { dir: string; limitBytes: number } | undefined {
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
  const results = stepsOf(plan).map((s) => notStarted(s, 'queued'));
  const report = buildAuditReport({ workspace: plan.workspace, startedAt: now, endedAt: now, interrupted: null, results, release: () => {} }, undefined, ctx);
  return { ...report, verdict: 'running', exitCode: null, integrity: { ...report.integrity, audited: auditing } };
}

function writeErrorReport(dir: string, ctx: ReportContext, workspace: string, error: unknown, deps: Pick<BatchDeps, 'env' | 'note'>): void {
  try {
    writeReports(dir, errorReport(ctx, workspace, error, new Date().toISOString()), deps.env);
  } catch (second) {
    deps.note(`sleeve-sandbox: could not write even the error report to ${escapeTerminal(dir)}: ${escapeTerminal(String(second))}`);
  }
}
