/**
 * The library API: what `sleeve-sandbox run` does, callable from code.
 * Callers use `executeSleeves` or `createEngine`; the CLI's `run` command is
 * a shell over the same core (`runBatch`, runner/batch/run-batch.ts: argv ->
 * options, then printing). One path for both, so the library gets every
 * check, report and audit the CLI has.
 *
 * Contract: bad input throws the CLI's typed errors (UsageError,
 * ManifestError, PolicyError: `.code` and `.exitCode` 2) before anything is
 * created; the API never prints and never calls process.exit; an
 * AbortSignal stops the batch by the same path as SIGINT in the CLI (running
 * sleeves stopped, the rest cancelled, reports written, verdict `failed`);
 * progress arrives as typed events in order (queued..., then started/ended
 * per sleeve, then `batch-done` once the reports are written).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../policies/errors.js';
import type { WrittenReports } from './audit/report.js';
import type { AuditReport } from './audit/schema.js';
import type { RunOptions } from './batch/plan.js';
import { type Progress, displayStatus } from './batch/progress.js';
import { runBatch } from './batch/run-batch.js';
import type { SleeveResult } from './batch/types.js';

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
  /** Sleeves whose sandboxed process starts ahead of its turn, waiting for "go" (default: the cores the concurrency leaves idle; 0: none). */
  warm: z.number().int().nonnegative().optional(),
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
  /** Run the sleeves on workers through Redis (redis:// or rediss://; "env" reads SLEEVE_SANDBOX_REDIS_URL). */
  queue: z.string().optional(),
  /** With `queue`: cap on each sleeve's zipped run dir and its unpacked files, MiB (default 1024). */
  artifactLimitMiB: positive.optional(),
  /** With `queue`: Redis silent this long mid-batch stops the batch, seconds (default 30). */
  queueLostSeconds: positive.optional(),
  /** What relative paths are resolved from (default: process.cwd()). */
  cwd: z.string().optional(),
  /** The environment the sleeves' env is built from (default: process.env). */
  env: z.record(z.string(), z.string().optional()).optional(),
  /** Aborting stops the batch as SIGINT does in the CLI. */
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
  /** The combine step, run once after every sleeve succeeded (the manifest's `finalize`; not both). */
  finalize: z.strictObject({ name: z.string(), entry: z.string().min(1), policy: z.string().min(1).optional() }).optional(),
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
  /** Every file in the run dir after the batch, relative to it, sorted: the sleeve's outputs and the runner's logs/. */
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
    warm: o.warm,
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
    finalize: o.finalize,
    queue: o.queue,
    artifactLimitMiB: o.artifactLimitMiB,
    queueLostSeconds: o.queueLostSeconds,
  };
  const out = await runBatch(runOptions, {
    cwd: o.cwd ?? process.cwd(),
    env: (o.env as NodeJS.ProcessEnv | undefined) ?? process.env,
    progress: () => progress,
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
