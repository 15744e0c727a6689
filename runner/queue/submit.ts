/**
 * `run --queue`: the submitter's side. It stands in for executeBatch
 * (execute.ts) with the same signature, after the same planning and checks:
 * the prepare steps run here through executeBatch itself; then one BullMQ job
 * per sleeve (job id `<batchId>.<runId>`, so batches never share a job and a
 * submitter reads only its own jobs' results), each carrying what wire.ts
 * describes; it waits (QueueEvents for promptness, a poll as the backstop),
 * validates every result, verifies and reads each zip (unpack.ts) and keeps it
 * in memory. The run dirs land in `<runsDir>/<runId>/` once every job ended,
 * each path written accounted to its sleeve (as its guard's reports would be),
 * so this batch's auditor proves the rest of the workspace unchanged; then the
 * combine step runs here; `merge` folds the workers' audits into the report
 * (merge.ts).
 *
 * Faults: Redis unreachable at the start is a UsageError (exit 2, nothing
 * enqueued); Redis silent for `lostAfterMs` mid-batch fails every unfinished
 * sleeve with a clear error (the reports are still written); SIGINT (or the
 * API's AbortSignal) removes the waiting jobs, sets the batch's cancel key
 * for the workers running the others, and waits a grace period for them.
 * The batch's jobs are removed from Redis at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../../policies/errors.js';
import type { AuditReport } from '../audit/schema.js';
import { type BatchResult, type ExecuteOptions, executeBatch, notStarted } from '../batch/execute.js';
import { loadManifest } from '../batch/manifest.js';
import type { BatchPlan, RunOptions } from '../batch/plan.js';
import { escapeTerminal } from '../batch/progress.js';
import type { PlannedSleeve, SleeveResult } from '../batch/types.js';
import { type RedisTarget, connectionOptions, parseRedisUrl, probeRedis } from './connection.js';
import { fingerprintOf } from './fingerprint.js';
import { sha256Hex } from './hash.js';
import { combineBlocked } from '../batch/finalize.js';
import { type RemoteRecord, mergeRemote } from './merge.js';
import { type Unpacked, unpackZip, writeUnpacked } from './unpack.js';
import { type JobPayload, type JobResult, QUEUE_NAME, WIRE_VERSION, cancelKey, firstIssue, jobResultSchema } from './wire.js';

/** Default cap on one sleeve's zip and its unpacked files on the submitter (MiB). */
export const DEFAULT_SUBMIT_ARTIFACT_LIMIT_MIB = 1024;
/** Redis silent this long mid-batch: the submitter stops. */
export const DEFAULT_LOST_SECONDS = 30;
/** After a cancel, how long running jobs get to report back. */
const CANCEL_GRACE_MS = 15_000;

export interface RemoteBatch {
  /** The report with the workers' audits merged in. */
  merge: (report: AuditReport) => AuditReport;
}

const REMOTE = Symbol('sleeve-sandbox.remote');
/** The remote half of a batch run by executeQueued, or undefined for a local batch. */
export function remoteOf(batch: BatchResult): RemoteBatch | undefined {
  return (batch as BatchResult & { [REMOTE]?: RemoteBatch })[REMOTE];
}

function rel(workspace: string, abs: string, what: string, s: PlannedSleeve): string {
  const r = path.relative(workspace, abs).split(path.sep).join('/');
  if (r === '' || r.startsWith('../') || r === '..' || path.isAbsolute(r)) {
    throw new UsageError(
      `${s.where}: ${what} ${abs} is outside the workspace ${workspace}: a worker could not find it in its replica; move it into the workspace`,
    );
  }
  return r;
}

interface Shape {
  s: PlannedSleeve;
  step: JobPayload['step'];
  policy: Omit<JobPayload['policy'], 'chain'> & { files: Array<{ name: string; kind: 'builtin' | 'workspace' | 'file'; file: string; sha256: string }> };
  sources: string[];
  entryRel: string | undefined;
}

/** What each sleeve's job will say, checked before anything runs (a path outside the workspace is exit 2). */
function shapeJobs(plan: BatchPlan): Shape[] {
  let rawSteps: Map<string, string[]> | undefined;
  return plan.sleeves.map((s) => {
    let entryRel: string | undefined;
    let command: string[] | undefined;
    let sources: string[];
    if (s.command) {
      if (!plan.manifest) throw new UsageError(`${s.where}: a command step needs a manifest to be sent to a worker`);
      rawSteps ??= new Map(
        loadManifest(plan.manifest)
          .manifest.sleeves.filter((m) => m.command)
          .map((m) => [m.name, m.command as string[]]),
      );
      command = rawSteps.get(s.name);
      if (!command) throw new UsageError(`${s.where}: its command is not in ${plan.manifest}`);
      sources = s.command.codeDir ? [rel(plan.workspace, s.command.codeDir, 'the code directory', s)] : [];
    } else {
      entryRel = rel(plan.workspace, s.entry, 'the entry', s);
      const dir = path.posix.dirname(entryRel);
      sources = [dir === '.' ? entryRel : dir];
    }
    const top = s.policy.chain[0];
    if (!top) throw new UsageError(`${s.where}: policy ${s.policy.name} has no file`);
    const ref = top.kind === 'file' ? { file: rel(plan.workspace, top.file, 'the policy file', s) } : { name: top.name };
    return {
      s,
      entryRel,
      sources,
      step: {
        name: s.name,
        runId: s.runId,
        ...(entryRel !== undefined ? { entry: entryRel } : { command }),
        args: s.args,
        env: s.env,
        ...(s.mode === 'isolate' ? { mode: 'isolate' as const } : {}),
        osLayer: s.os.setting,
      },
      policy: { ref, sha256: top.sha256, files: s.policy.chain.map((c) => ({ name: c.name, kind: c.kind, file: c.file, sha256: c.sha256 })) },
    };
  });
}

function payloadOf(x: Shape, plan: BatchPlan, batchId: string, opts: RunOptions): JobPayload {
  const chain = x.policy.files.map((f) => {
    const content = fs.readFileSync(f.file, 'utf8');
    if (sha256Hex(content) !== f.sha256) throw new Error(`${x.s.where}: the policy file ${f.file} changed since the batch was planned`);
    return { name: f.name, kind: f.kind, sha256: f.sha256, content };
  });
  return {
    wire: WIRE_VERSION,
    batchId,
    submitter: { host: os.hostname(), pid: process.pid },
    runsDir: plan.runsDir,
    step: x.step,
    policy: { ref: x.policy.ref, sha256: x.policy.sha256, chain },
    fingerprint: fingerprintOf(plan.workspace, x.sources),
    code: { entrySha256: x.entryRel === undefined ? null : sha256Hex(fs.readFileSync(x.s.entry)) },
    limits: {
      ...(x.s.timeoutMs === undefined ? {} : { timeoutSeconds: x.s.timeoutMs / 1000 }),
      ...(x.s.memoryMiB === undefined ? {} : { memoryMiB: x.s.memoryMiB }),
      logLimitMiB: opts.logLimitMiB ?? 64,
    },
    audit: { enabled: opts.audit !== false, hash: opts.hash !== false, ignore: opts.auditIgnore ?? [] },
  };
}

/** A remote result turned into the local SleeveResult (run dir and logs at their local places). */
function localResult(s: PlannedSleeve, r: JobResult): SleeveResult {
  const rep = r.audit.sleeve;
  return {
    kind: s.kind,
    name: s.name,
    runId: s.runId,
    runDir: s.runDir,
    policy: rep.policy,
    mode: rep.mode ?? s.mode,
    ...(rep.os ? { os: rep.os } : {}),
    ...(rep.command ? { command: rep.command } : {}),
    status: rep.status,
    exitCode: rep.exitCode,
    signal: rep.signal,
    startedAt: rep.startedAt,
    durationMs: rep.durationMs,
    layers: rep.layers.filter((l) => l !== 'auditor'),
    denials: rep.denials.map((d) => ({
      op: d.op,
      syscall: d.syscall,
      path: d.path,
      ...(d.resolved === undefined ? {} : { resolved: d.resolved }),
      rule: d.rule,
      reason: d.reason,
      at: Date.parse(d.time),
      count: d.count,
    })),
    writes: [],
    logs: { stdout: path.join(s.runDir, 'logs', 'stdout.log'), stderr: path.join(s.runDir, 'logs', 'stderr.log'), truncated: rep.logs.truncated },
    ...(rep.peakRssKiB !== null && rep.cpuMs !== null ? { usage: { maxRssKiB: rep.peakRssKiB, cpuUserMs: rep.cpuMs, cpuSystemMs: 0 } } : {}),
    ...(rep.isolate ? { isolate: rep.isolate } : {}),
    ...(rep.stderrTail ? { stderrTail: rep.stderrTail } : {}),
    channel: rep.channel
      ? { accepted: rep.channel.accepted, dropped: { ...rep.channel.dropped }, fault: rep.channel.fault }
      : { accepted: 0, dropped: { denials: 0, writes: 0 }, fault: null },
    ...(rep.schedule ? { schedule: rep.schedule } : {}),
    ...(rep.start ? { start: rep.start } : {}),
    ...(rep.error ? { error: rep.error } : {}),
  } as SleeveResult;
}

function failedResult(s: PlannedSleeve, why: string): SleeveResult {
  return { ...notStarted(s, 'skipped'), status: 'failed', error: why };
}

/** An executor with executeBatch's signature that runs the plan's sleeves on the queue's workers. */
export function queuedExecutor(opts: RunOptions, batchId: string, env: NodeJS.ProcessEnv): (plan: BatchPlan, o: ExecuteOptions) => Promise<BatchResult> {
  return async (plan, o) => {
    const target = parseRedisUrl(opts.queue, env);
    const shapes = shapeJobs(plan);
    const info = await probeRedis(target);
    if (info.maxmemoryPolicy !== undefined && info.maxmemoryPolicy !== 'noeviction') {
      o.progress.note(
        `sleeve-sandbox: Redis at ${target.shown} has maxmemory-policy ${escapeTerminal(info.maxmemoryPolicy)}; BullMQ needs noeviction (jobs may vanish otherwise)`,
      );
    }
    // The prepare steps (and beforeStart: reports, auditor, ledger) run here, as in a local batch.
    const progress = o.progress;
    const local = await executeBatch({ ...plan, sleeves: [], finalize: [] }, { ...o, progress: { ...progress, close: () => {} } });
    const limitBytes = Math.round((opts.artifactLimitMiB ?? DEFAULT_SUBMIT_ARTIFACT_LIMIT_MIB) * 1024 * 1024);
    const lostAfterMs = Math.round((opts.queueLostSeconds ?? DEFAULT_LOST_SECONDS) * 1000);
    const results = new Map<PlannedSleeve, SleeveResult>();
    const records = new Map<PlannedSleeve, RemoteRecord>();
    const unpacked = new Map<PlannedSleeve, Unpacked>();
    const prepareFailed = local.results.find((r) => r.status !== 'ok' || r.denials.length > 0);
    let interrupted = local.interrupted;
    let release = local.release;
    if (interrupted || prepareFailed) {
      for (const s of plan.sleeves) {
        const r = notStarted(
          s,
          interrupted ? 'cancelled' : 'skipped',
          interrupted
            ? `interrupted by ${interrupted}`
            : `prepare step ${prepareFailed?.name} did not succeed (${prepareFailed?.status}); sleeves were not started`,
        );
        results.set(s, r);
        progress.finished(r);
      }
    } else if (plan.sleeves.length > 0) {
      const out = await runRemote({ plan, shapes, target, batchId, opts, o, limitBytes, lostAfterMs, results, records, unpacked });
      interrupted = out.interrupted;
      const first = release;
      release = () => {
        first();
        out.release();
      };
    }
    // The run dirs land now, before the combine step (which reads them) and before this batch's audit,
    // which accounts every path written here to its sleeve, as a write its guard would have reported.
    for (const [s, u] of unpacked) {
      const r = results.get(s) as SleeveResult;
      try {
        results.set(s, { ...r, writes: writeUnpacked(s.runDir, u) });
      } catch (error) {
        const why = `the run dir from the worker could not be written to ${s.runDir}: ${(error as Error).message}`;
        results.set(s, { ...r, status: r.status === 'ok' ? 'failed' : r.status, error: r.error ? `${r.error}; ${why}` : why });
      }
    }
    // The combine step, here on the submitter, once every sleeve succeeded (finalize.ts decides as for a local batch).
    const sleeveResults = plan.sleeves.map((s) => results.get(s) as SleeveResult);
    let finals: SleeveResult[] = [];
    if (plan.finalize.length > 0) {
      const blocked = combineBlocked(sleeveResults, interrupted);
      if (blocked) {
        finals = plan.finalize.map((s) => notStarted(s, blocked.status, blocked.why));
        for (const r of finals) progress.finished(r);
      } else {
        const fin = await executeBatch(
          { ...plan, prepare: [], sleeves: [] },
          { ...o, beforeStart: async () => {}, progress: { ...progress, close: () => {} } },
        );
        finals = fin.results;
        interrupted ??= fin.interrupted;
        const before = release;
        release = () => {
          before();
          fin.release();
        };
      }
    }
    progress.close();
    const batch: BatchResult = {
      workspace: plan.workspace,
      startedAt: local.startedAt,
      endedAt: new Date().toISOString(),
      interrupted,
      results: [...local.results, ...sleeveResults, ...finals],
      release,
    };
    const remote: RemoteBatch = {
      merge: (report) =>
        mergeRemote(report, { target: target.shown, records: plan.sleeves.map((s) => records.get(s)).filter((r): r is RemoteRecord => r !== undefined) }),
    };
    return Object.assign(batch, { [REMOTE]: remote });
  };
}

interface RemoteRun {
  plan: BatchPlan;
  shapes: Shape[];
  target: RedisTarget;
  batchId: string;
  opts: RunOptions;
  o: ExecuteOptions;
  limitBytes: number;
  lostAfterMs: number;
  results: Map<PlannedSleeve, SleeveResult>;
  records: Map<PlannedSleeve, RemoteRecord>;
  unpacked: Map<PlannedSleeve, Unpacked>;
}

async function runRemote(x: RemoteRun): Promise<{ interrupted: string | null; release: () => void }> {
  const { o, target, batchId } = x;
  const progress = o.progress;
  const jobIdOf = (s: PlannedSleeve) => `${batchId}.${s.runId}`;
  const bySleeve = new Map(x.shapes.map((sh) => [jobIdOf(sh.s), sh.s]));
  const conn = connectionOptions(target, { retryStrategy: (n: number) => Math.min(200 * n, 1000) });
  const queue = new Queue(QUEUE_NAME, { connection: conn });
  const events = new QueueEvents(QUEUE_NAME, { connection: conn });
  queue.on('error', () => {});
  events.on('error', () => {});
  let interrupted: string | null = null;
  let lost: string | undefined;
  const started = new Set<string>();
  const pending = new Set(bySleeve.keys());
  let wake: () => void = () => {};
  const settle = (s: PlannedSleeve, r: SleeveResult) => {
    const id = jobIdOf(s);
    if (!pending.has(id)) return;
    pending.delete(id);
    x.results.set(s, r);
    progress.finished(r);
    wake();
  };
  const onResult = async (s: PlannedSleeve, job: Job, value: unknown) => {
    const parsed = jobResultSchema.safeParse(value);
    if (!parsed.success) return settle(s, failedResult(s, `the worker's result does not parse (${firstIssue(parsed.error)}); nothing of it was used`));
    const r = parsed.data;
    if (r.batchId !== batchId || r.runId !== s.runId) return settle(s, failedResult(s, `the worker's result is for ${r.batchId}/${r.runId}, not this job`));
    let res = localResult(s, r);
    let zipError = r.artifactError;
    if (r.zip) {
      try {
        x.unpacked.set(
          s,
          await unpackZip(Buffer.from(r.zip.base64, 'base64'), { sha256: r.zip.sha256, size: r.zip.size, runId: s.runId, limitBytes: x.limitBytes }),
        );
      } catch (error) {
        zipError = `the run dir from worker ${r.worker.id} was refused: ${(error as Error).message}`;
      }
    } else zipError ??= `worker ${r.worker.id} sent no run dir`;
    if (zipError) res = { ...res, status: res.status === 'ok' ? 'failed' : res.status, error: res.error ? `${res.error}; ${zipError}` : zipError };
    x.records.set(s, {
      sleeve: s.name,
      runId: s.runId,
      jobId: String(job.id),
      result: r,
      attempts: Math.max(r.attempts, job.attemptsStarted ?? 0),
      stalled: job.stalledCounter ?? 0,
    });
    settle(s, res);
  };
  const check = async (id: string) => {
    const s = bySleeve.get(id);
    if (!s || !pending.has(id)) return;
    // The state first, then the job: a finished job is read after it finished (its result or reason complete).
    const state = await queue.getJobState(id);
    const job = await queue.getJob(id);
    if (!job || state === 'unknown')
      return settle(s, failedResult(s, `job ${id} vanished from Redis (was it removed, or evicted? Redis must run with maxmemory-policy noeviction)`));
    if (state === 'active' && !started.has(id)) {
      started.add(id);
      progress.started(s.name);
    }
    if (state === 'completed') await onResult(s, job, job.returnvalue);
    else if (state === 'failed') {
      if (!started.has(id)) progress.started(s.name);
      x.records.set(s, {
        sleeve: s.name,
        runId: s.runId,
        jobId: id,
        result: undefined,
        attempts: job.attemptsStarted ?? 0,
        stalled: job.stalledCounter ?? 0,
        error: job.failedReason,
      });
      settle(s, failedResult(s, `on the queue: ${job.failedReason || 'the job failed'}`));
    }
  };
  let lastOk = Date.now();
  const pollAll = async () => {
    for (const id of [...pending]) await check(id);
    lastOk = Date.now();
  };
  let removeHandler = () => {};
  let control: Redis | undefined;
  try {
    await events.waitUntilReady();
    for (const ev of ['active', 'completed', 'failed', 'removed'] as const) {
      events.on(ev, ({ jobId }: { jobId: string }) => {
        if (pending.has(jobId)) void check(jobId).catch(() => {});
      });
    }
    for (const sh of x.shapes) progress.queued(sh.s.name);
    const jobs = x.shapes.map((sh) => ({
      name: sh.s.name,
      data: payloadOf(sh, x.plan, batchId, x.opts),
      opts: { jobId: jobIdOf(sh.s), attempts: 1, removeOnComplete: false, removeOnFail: false },
    }));
    await queue.addBulk(jobs);
    if ((await queue.getWorkersCount().catch(() => 1)) === 0)
      progress.note(
        `sleeve-sandbox: no worker is connected to ${target.shown} yet; the ${jobs.length} job(s) wait for one (start: sleeve-sandbox worker --queue ...)`,
      );
    let cancelledAt: number | undefined;
    let forced = false;
    removeHandler = o.onInterrupt((signal) => {
      if (interrupted) {
        forced = true;
        wake();
        return;
      }
      interrupted = signal;
      cancelledAt = Date.now();
      progress.note(`sleeve-sandbox: ${signal}: cancelling this batch's ${pending.size} job(s) on the queue; press again to stop waiting`);
      wake();
    });
    let cancelSent = false;
    for (;;) {
      if (pending.size === 0) break;
      if (interrupted && !cancelSent) {
        cancelSent = true;
        const cancel = async () => {
          control ??= new Redis(conn as RedisOptions);
          control.on('error', () => {});
          await control.set(cancelKey(batchId), '1', 'EX', 3600);
          for (const id of [...pending]) {
            const job = await queue.getJob(id);
            const state = await job?.getState();
            if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children')) {
              await job.remove().then(
                () => settle(bySleeve.get(id) as PlannedSleeve, notStarted(bySleeve.get(id) as PlannedSleeve, 'cancelled', `interrupted by ${interrupted}`)),
                () => {},
              );
            }
          }
        };
        // Bounded: with Redis gone these would wait for it; the loss check below ends the wait.
        await Promise.race([cancel().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      if (interrupted && (forced || Date.now() - (cancelledAt ?? 0) > CANCEL_GRACE_MS)) {
        for (const id of [...pending]) {
          const s = bySleeve.get(id) as PlannedSleeve;
          settle(s, {
            ...notStarted(s, 'cancelled'),
            status: started.has(id) ? 'interrupted' : 'cancelled',
            error: `interrupted by ${interrupted}; the worker did not report back in time (its job was cancelled)`,
          });
        }
        break;
      }
      if (Date.now() - lastOk > x.lostAfterMs) {
        lost = `lost contact with Redis at ${target.shown} for ${Math.round((Date.now() - lastOk) / 1000)} s`;
        progress.note(`sleeve-sandbox: ${lost}: stopping; ${pending.size} sleeve(s) have no result (their jobs may still run on a worker)`);
        for (const id of [...pending]) {
          const s = bySleeve.get(id) as PlannedSleeve;
          settle(s, failedResult(s, `${lost}: no result was received (its job may still run on a worker)`));
        }
        break;
      }
      const round = pollAll().catch(() => {});
      await Promise.race([round, new Promise<void>((r) => setTimeout(r, 1000))]);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 500);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = () => {};
    }
  } catch (error) {
    if (!(error instanceof UsageError)) {
      const why = `the queue failed: ${target.redact((error as Error).message)}`;
      progress.note(`sleeve-sandbox: ${escapeTerminal(why)}`);
      for (const id of [...pending]) {
        const s = bySleeve.get(id) as PlannedSleeve;
        settle(s, failedResult(s, why));
      }
    } else throw error;
  } finally {
    control?.disconnect();
    await shutdown(queue, events, lost === undefined ? [...bySleeve.keys()] : []);
  }
  return { interrupted, release: removeHandler };
}

/** Removes this batch's jobs and closes the connections (bounded: a lost Redis must not hang the submitter). */
async function shutdown(queue: Queue, events: QueueEvents, jobIds: string[]): Promise<void> {
  const bounded = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, ms).unref())]);
  await bounded(
    (async () => {
      for (const id of jobIds) await queue.remove(id).catch(() => 0);
    })(),
    3000,
  );
  await bounded(events.close(), 2000);
  await bounded(queue.close(), 2000);
  await bounded(events.disconnect(), 1000);
  await bounded(queue.disconnect(), 1000);
}
