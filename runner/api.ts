/**
 * The library API: what `sleeve-sandbox run` does, callable from code. The
 * CLI's `run` command is a shell over `runBatch` (argv -> options, then
 * printing); callers use `executeSleeves` or `createEngine`. One path for
 * both, so the library gets every check, report and audit the CLI has.
 *
 * Contract: bad input throws the CLI's typed errors (UsageError,
 * ManifestError, PolicyError: `.code` and `.exitCode` 2) before anything is
 * created; the API never prints and never calls process.exit; an
 * AbortSignal stops the batch by the same path as SIGINT in the CLI (running
 * sleeves stopped, the rest cancelled, reports written, verdict `failed`);
 * progress arrives as typed events in order (queued..., then started/ended
 * per sleeve, then `batch-done` once the reports are written).
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { shadowedBuiltin } from '../policies/builtin.js';
import { compilePolicy } from '../policies/engine.js';
import { EXIT, SleeveSandboxError, UsageError } from '../policies/errors.js';
import { mayOverlap } from '../policies/lint.js';
import { createNodeSys } from '../policies/node-sys.js';
import { checkPattern } from '../policies/patterns.js';
import type { AccountedSleeve } from './audit/account.js';
import { createAuditor, excludedFromAudit } from './audit/auditor.js';
import { prepareReportDir, realish, reportDirProblem } from './audit/report-dir.js';
import {
  type ReportContext,
  type WrittenReports,
  buildAuditReport,
  errorReport,
  reportFiles,
  writeFinalReports,
  writeReports,
  writeRunningReport,
} from './audit/report.js';
import type { AuditReport, PolicySourceReport } from './audit/schema.js';
import { droppedEnv, droppedEnvNotice } from './batch/env.js';
import { DEFAULT_EXPORT_LIMIT_MIB, exportRunDirs } from './batch/export-zip.js';
import { type BatchResult, executeBatch, notStarted } from './batch/execute.js';
import { type BatchPlan, type RunOptions, planBatch } from './batch/plan.js';
import type { Progress } from './batch/progress.js';
import { displayStatus, escapeTerminal } from './batch/progress.js';
import { generateRunId } from './batch/run-id.js';
import type { PlannedSleeve, SleeveResult } from './batch/types.js';
import { reportRoot } from './reports/locate.js';

const TOOL_VERSION = (
  JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** What the core needs of its caller: the environment, where it is, how to report, how to be stopped. */
export interface BatchDeps {
  cwd: string;
  env: NodeJS.ProcessEnv;
  progress: Progress;
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
  if (!o.hash && o.protect.length > 0) out.push(`--no-hash: protected files (${o.protect.map((p) => JSON.stringify(p)).join(', ')}) were compared by their metadata only, not by their content`);
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
  const all = [...plan.prepare, ...plan.sleeves];
  const protect = [...new Set(all.flatMap((s) => s.policy.protect))];
  const reportDir = realish(opts.reportDir ? path.resolve(deps.cwd, opts.reportDir) : path.join(plan.workspace, 'reports', batchId));
  // Left out of the audit: the --report-dir, or by default the whole reports/ root (other batches write theirs there).
  const reportExcluded = opts.reportDir ? reportDir : path.dirname(reportDir);
  const sys = createNodeSys(undefined, () => plan.workspace);
  const engines = all.map((s) => ({ ...s, engine: compilePolicy(s.policy, { workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, sys }) }));
  // The report dir and an export dir inside the workspace obey the same rules: not the run root, a protected zone or a sleeve's write zone.
  const placeProblem = (dir: string, flag: string) => reportDirProblem({ dir, workspace: plan.workspace, runsDir: plan.runsDir, protect, sleeves: engines, flag });
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
    if (src.shadows) notes.push(`sleeve-sandbox: ${escapeTerminal(s.name)}: policy "${escapeTerminal(s.policy.name)}" comes from the workspace (${escapeTerminal(src.chain.find((c) => shadowedBuiltin(c) !== undefined)?.file ?? '')}), which shadows the built-in "${src.shadows}"`);
  }
  notes.push(...droppedEnvNotice(all.map((s, i) => ({ sleeve: s.name, policy: s.policy, dropped: envDropped[i] ?? [] }))).map(escapeTerminal));
  for (const n of new Set(notes)) deps.note(n);
  const auditor = auditing
    ? createAuditor({ workspace: plan.workspace, ignore, excludeAbs: [reportExcluded], protect, hash, watch: true, runsDir: plan.runsDir })
    : undefined;
  let reportDirMade: { created: boolean } | undefined;
  let batch: BatchResult | undefined;
  try {
    batch = await executeBatch(plan, {
      parentEnv: deps.env,
      progress: deps.progress,
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
          ? await exportRunDirs({ dir: exporting.dir, limitBytes: exporting.limitBytes, runs: done.results.map((r) => ({ sleeve: r.name, runId: r.runId, runDir: r.runDir })) })
          : undefined;
        return buildAuditReport(done, audit, exported ? { ...ctx, export: exported } : ctx);
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

function writeErrorReport(dir: string, ctx: ReportContext, workspace: string, error: unknown, deps: Pick<BatchDeps, 'env' | 'note'>): void {
  try {
    writeReports(dir, errorReport(ctx, workspace, error, new Date().toISOString()), deps.env);
  } catch (second) {
    deps.note(`sleeve-sandbox: could not write even the error report to ${escapeTerminal(dir)}: ${escapeTerminal(String(second))}`);
  }
}

// ---------------------------------------------------------------------------
// The public surface: executeSleeves, createEngine, their options, results and events.

export type { SleeveContext, SleeveFs, SleeveStat } from '../sandbox/context.js';
export type { AuditReport, Violation } from './audit/schema.js';
export type { Verdict } from './audit/verdict.js';
export { EXIT, ManifestError, PolicyError, SleeveSandboxError, UsageError } from '../policies/errors.js';

/** One sleeve given from code: a name and its entry (relative to the workspace), under the options' policy. */
export interface SleeveSpec {
  name: string;
  entry: string;
}

const positive = z.number().finite().positive();
const sleeveSpecSchema = z.strictObject({ name: z.string(), entry: z.string().min(1) });

/** The engine's options (a boundary: checked by this one schema; a bad value throws UsageError, exit 2). */
export const engineOptionsSchema = z.strictObject({
  /** The workspace (default: the manifest's directory, else `cwd`). */
  workspace: z.string().optional(),
  /** A manifest file: its sleeves run before (and with) the ones passed in. */
  manifest: z.string().optional(),
  /** The policy of every sleeve without one (a built-in name or a path). */
  policy: z.string().optional(),
  /** The pool's CPUs (default: the available parallelism). */
  cpus: z.number().int().positive().optional(),
  /** The pool's memory in MiB (default: the machine's less a reserve). */
  memoryMiB: positive.optional(),
  /** Workspace-relative run root (default: the manifest's `runsDir`, else `runs`). */
  runsDir: z.string().optional(),
  /** Upper bound on sleeves running at once (default: the available parallelism). */
  concurrency: z.number().int().positive().optional(),
  /** Per-sleeve wall-clock cap in seconds (the lower of this and the policy's wins). */
  timeoutSeconds: positive.optional(),
  /** Per-sleeve heap cap in MiB (the lower of this and the policy's wins). */
  sleeveMemoryMiB: positive.optional(),
  mode: z.enum(['process', 'isolate']).optional(),
  osLayer: z.enum(['required', 'auto', 'off']).optional(),
  /** Where the reports go (default `<workspace>/reports/<batchId>`). */
  reportDir: z.string().optional(),
  /** Run the auditor (default true); hash protected files (default true). */
  audit: z.boolean().optional(),
  hash: z.boolean().optional(),
  auditIgnore: z.array(z.string()).optional(),
  /** Cap on each sleeve's captured stdout/stderr, MiB (default 64). */
  logLimitMiB: positive.optional(),
  /** `zip`: one zip per run dir after the audit. */
  export: z.literal('zip').optional(),
  exportDir: z.string().optional(),
  exportLimitMiB: positive.optional(),
  /** What relative paths are resolved from (default: process.cwd()). */
  cwd: z.string().optional(),
  /** The environment the sleeves' env is built from (default: process.env). */
  env: z.record(z.string(), z.string().optional()).optional(),
  /** Aborting stops the batch as SIGINT does in the CLI. */
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
  /** Progress events, in order. */
  onProgress: z.custom<(event: ProgressEvent) => void>((v) => typeof v === 'function', 'a function').optional(),
});
export type EngineOptions = z.input<typeof engineOptionsSchema>;

/** What one sleeve did. */
export interface SleeveOutcome {
  name: string;
  kind: SleeveResult['kind'];
  status: SleeveResult['status'];
  /** `denied` when the sandbox refused anything, else `status`. */
  display: string;
  exitCode: number | null;
  signal: string | null;
  runId: string;
  runDir: string;
  /** Files the sleeve left in its run dir, relative to it, sorted. */
  artifacts: string[];
  denials: SleeveResult['denials'];
  usage: SleeveResult['usage'] | null;
  durationMs: number;
  logs: SleeveResult['logs'];
  error: string | null;
}

export interface BatchResultApi {
  /** clean | violations | failed | partial | unaudited | error. */
  verdict: AuditReport['verdict'];
  /** The CLI's exit code for this batch. */
  exitCode: number;
  /** `AbortSignal` (aborted from code), or the signal that stopped the batch; null if it ran to its end. */
  interrupted: string | null;
  workspace: string;
  sleeves: SleeveOutcome[];
  audit: { verdict: AuditReport['verdict']; violations: AuditReport['violations']; weakened: string[]; reports: WrittenReports; report: AuditReport };
}

export type ProgressEvent =
  | { type: 'sleeve-queued'; name: string }
  | { type: 'sleeve-started'; name: string }
  | { type: 'sleeve-ended'; name: string; status: SleeveResult['status']; display: string; exitCode: number | null; signal: string | null }
  | { type: 'note'; text: string }
  | { type: 'batch-done'; verdict: AuditReport['verdict']; exitCode: number };

function problemOf(error: z.ZodError, what: string): UsageError {
  const i = error.issues[0];
  const at = i?.path.length ? i.path.join('.') : '';
  return new UsageError(`${what}${at ? ` ${at}` : ''}: ${i?.message ?? 'invalid'}`);
}

function artifactsOf(runDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else out.push(r);
    }
  };
  walk(runDir, '');
  return out.sort();
}

/** The batch as the CLI's `run` would run it, from code: typed results, never prints, never exits. */
export async function executeSleeves(sleeves: readonly SleeveSpec[], options: EngineOptions = {}): Promise<BatchResultApi> {
  const specs = z.array(sleeveSpecSchema).safeParse(sleeves);
  if (!specs.success) throw problemOf(specs.error, 'executeSleeves: sleeves');
  const parsed = engineOptionsSchema.safeParse(options);
  if (!parsed.success) throw problemOf(parsed.error, 'executeSleeves: options');
  const o = parsed.data;
  const signal = o.signal;
  if (signal?.aborted) throw signal.reason ?? new DOMException('aborted before the batch started', 'AbortError');
  const emit = (event: ProgressEvent) => o.onProgress?.(event);
  const progress: Progress = {
    queued: (name) => emit({ type: 'sleeve-queued', name }),
    started: (name) => emit({ type: 'sleeve-started', name }),
    finished: (r) => emit({ type: 'sleeve-ended', name: r.name, status: r.status, display: displayStatus(r), exitCode: r.exitCode, signal: r.signal }),
    note: (text) => emit({ type: 'note', text }),
    close: () => {},
  };
  const runOptions: RunOptions = {
    policy: o.policy,
    workspace: o.workspace,
    manifest: o.manifest,
    // NAME=ENTRY: the plan splits at the first "=", and checks the name as it does --sleeve's.
    sleeve: specs.data.map((s) => `${s.name}=${s.entry}`),
    concurrency: o.concurrency,
    timeout: o.timeoutSeconds,
    memory: o.sleeveMemoryMiB,
    mode: o.mode,
    osLayer: o.osLayer,
    reportDir: o.reportDir,
    runsDir: o.runsDir,
    logLimitMiB: o.logLimitMiB,
    audit: o.audit,
    hash: o.hash,
    auditIgnore: o.auditIgnore,
    cpus: o.cpus,
    memoryTotal: o.memoryMiB,
    export: o.export,
    exportDir: o.exportDir,
    exportLimitMiB: o.exportLimitMiB,
  };
  const out = await runBatch(runOptions, {
    cwd: o.cwd ?? process.cwd(),
    env: (o.env as NodeJS.ProcessEnv | undefined) ?? process.env,
    progress,
    note: (text) => emit({ type: 'note', text }),
    onInterrupt: (stop) => {
      if (!signal) return () => {};
      const onAbort = () => stop('AbortSignal');
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      return () => signal.removeEventListener('abort', onAbort);
    },
  });
  const { report } = out;
  emit({ type: 'batch-done', verdict: report.verdict, exitCode: out.exitCode });
  return {
    verdict: report.verdict,
    exitCode: out.exitCode,
    interrupted: out.batch.interrupted,
    workspace: out.batch.workspace,
    sleeves: out.batch.results.map((r) => ({
      name: r.name,
      kind: r.kind,
      status: r.status,
      display: displayStatus(r),
      exitCode: r.exitCode,
      signal: r.signal,
      runId: r.runId,
      runDir: r.runDir,
      artifacts: artifactsOf(r.runDir),
      denials: r.denials,
      usage: r.usage ?? null,
      durationMs: r.durationMs,
      logs: r.logs,
      error: r.error ?? null,
    })),
    audit: { verdict: report.verdict, violations: report.violations, weakened: report.weakened, reports: out.files, report },
  };
}

export interface Engine {
  readonly options: Readonly<EngineOptions>;
  /** Runs a batch with the engine's options, and `more` over them. */
  executeSleeves(sleeves: readonly SleeveSpec[], more?: EngineOptions): Promise<BatchResultApi>;
}

/** An engine with fixed options (pool, workspace, policy, run root...), as the seeds' RayComputeEngine. */
export function createEngine(options: EngineOptions = {}): Engine {
  const parsed = engineOptionsSchema.safeParse(options);
  if (!parsed.success) throw problemOf(parsed.error, 'createEngine: options');
  const fixed = Object.freeze({ ...options });
  return {
    options: fixed,
    executeSleeves: (sleeves, more = {}) => executeSleeves(sleeves, { ...fixed, ...more }),
  };
}
