/**
 * `sleeve-sandbox worker`: a long-running BullMQ worker over one workspace
 * replica. For each job it validates the payload (wire.ts; a payload that
 * does not parse is refused, never run), checks the policy (loaded from its
 * own replica by the same loader as a local run; every file of the chain must
 * hash as the job says) and the fingerprint (fingerprint.ts) against its
 * replica, then runs the step through the library API (`executeSleeves`:
 * the same plan, checks, sandbox layers, limits, logs and auditor as a local
 * `run`) with the job's run id, and returns the result, its audit excerpt and
 * the run dir as a zip (export-zip.ts), bounded by the artifact cap.
 *
 * A refusal is a BullMQ UnrecoverableError: the job fails at once with the
 * reason (no retry: another worker over the same data would refuse alike).
 * A worker that dies mid-job stops renewing its lock; another worker finds
 * the job stalled and runs it again (a stale run dir of an earlier attempt on
 * this replica is removed first). The submitter cancels a batch by setting
 * cancelKey(batchId); running jobs of that batch are aborted as SIGINT stops
 * a local batch. `close()` stops taking jobs and waits for the running ones.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { SleeveSandboxError } from '../../policies/errors.js';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { executeSleeves } from '../api.js';
import { listRunDir, zipRunDir } from '../batch/export-zip.js';
import { escapeTerminal } from '../batch/progress.js';
import { REDIS_URL_ENV, type RedisTarget, connectionOptions } from './connection.js';
import { fingerprintMismatch, fingerprintOf } from './fingerprint.js';
import { sha256Hex } from './hash.js';
import { type JobPayload, type JobResult, QUEUE_NAME, WIRE_VERSION, cancelKey, firstIssue, jobPayloadSchema } from './wire.js';

/** The default cap on one job's zipped run dir, MiB (`--artifact-limit`): it travels as base64 in Redis. */
export const DEFAULT_ARTIFACT_LIMIT_MIB = 64;

export interface WorkerSettings {
  target: RedisTarget;
  /** Absolute workspace replica. */
  workspace: string;
  concurrency: number;
  cpus?: number;
  memoryTotalMiB?: number;
  artifactLimitBytes: number;
  id: string;
  env: NodeJS.ProcessEnv;
  log: (text: string) => void;
  /** BullMQ's lock and stalled-job check (ms); lower values find a dead worker sooner. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export interface RunningWorker {
  id: string;
  /** Resolves once the worker listens on the queue. */
  ready: Promise<void>;
  /** Stops taking jobs and waits for the running ones to finish. */
  close: () => Promise<void>;
  /** Stops the running sleeves and lets go of their jobs unfinished (their locks lapse: another worker runs them again). */
  stopNow: () => Promise<void>;
  running: () => number;
}

/** Why the worker refuses a job (the job fails with this message, never retried). */
function refuse(why: string): never {
  throw new UnrecoverableError(`refused: ${why}`);
}

/** The policy the job names, loaded from this replica; refuses unless every file of its chain hashes as the job says. */
function checkPolicy(p: JobPayload, workspace: string): string {
  for (const [i, c] of p.policy.chain.entries()) {
    if (sha256Hex(c.content) !== c.sha256) refuse(`policy chain file ${i} (${c.name}): its content does not hash to the sha256 the job gives`);
  }
  const ref = 'name' in p.policy.ref ? p.policy.ref.name : path.join(workspace, p.policy.ref.file);
  let files: Array<{ sha256: string; name: string }>;
  try {
    files = loadPolicy(ref, { workspace, sys: createNodeSys(undefined, () => workspace) }).files.map((f) => ({ sha256: f.sha256, name: f.source.name }));
  } catch (error) {
    refuse(`policy ${JSON.stringify(ref)} does not load on this worker: ${(error as Error).message}`);
  }
  const want = p.policy.chain.map((c) => c.sha256).join(',');
  const have = files.map((f) => f.sha256).join(',');
  if (want !== have)
    refuse(
      `policy ${JSON.stringify(ref)} differs on this worker (job chain ${p.policy.chain.map((c) => `${c.name}:${c.sha256.slice(0, 12)}`).join(' > ')}; this replica ${files.map((f) => `${f.name}:${f.sha256.slice(0, 12)}`).join(' > ')})`,
    );
  return ref;
}

/** Runs one validated job on this replica; returns the wire result. */
async function runJob(p: JobPayload, job: Job, s: WorkerSettings, signal: AbortSignal): Promise<JobResult> {
  const policyRef = checkPolicy(p, s.workspace);
  const mine = fingerprintOf(s.workspace, p.fingerprint.sources.paths);
  const mismatch = fingerprintMismatch(p.fingerprint, mine);
  if (mismatch) refuse(`this replica (${s.workspace}) does not match the job's workspace fingerprint: ${mismatch}; sync the replica`);
  if (p.step.entry !== undefined && p.code.entrySha256 !== null) {
    let have: string | undefined;
    try {
      have = sha256Hex(fs.readFileSync(path.join(s.workspace, p.step.entry)));
    } catch {
      have = undefined;
    }
    if (have !== p.code.entrySha256) refuse(`the entry ${p.step.entry} differs on this replica`);
  }
  const runDir = path.join(s.workspace, p.runsDir, p.step.runId);
  if (fs.existsSync(runDir)) {
    // An earlier attempt of this very job on this replica (a worker killed mid-sleeve, restarted): its run dir is stale.
    if ((job.attemptsStarted ?? 1) > 1) fs.rmSync(runDir, { recursive: true, force: true });
    else refuse(`run id ${p.step.runId} already exists on this replica (${runDir})`);
  }
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-sandbox-job-')));
  try {
    const step: Record<string, unknown> = {
      name: p.step.name,
      runId: p.step.runId,
      ...(p.step.entry !== undefined ? { entry: p.step.entry } : { command: p.step.command }),
      ...(p.step.args.length > 0 ? { args: p.step.args } : {}),
      ...(Object.keys(p.step.env).length > 0 ? { env: p.step.env } : {}),
      policy: policyRef,
      ...(p.step.mode === 'isolate' ? { mode: 'isolate' } : {}),
      osLayer: p.step.osLayer,
    };
    const manifest = path.join(tmp, 'sleeve-manifest.json');
    fs.writeFileSync(manifest, `${JSON.stringify({ version: 1, runsDir: p.runsDir, sleeves: [step] }, null, 2)}\n`);
    const env = { ...s.env };
    delete env[REDIS_URL_ENV];
    let res: Awaited<ReturnType<typeof executeSleeves>>;
    try {
      res = await executeSleeves([], {
        manifest,
        workspace: s.workspace,
        cwd: s.workspace,
        env,
        runsDir: p.runsDir,
        reportDir: path.join(tmp, 'reports'),
        logLimitMiB: p.limits.logLimitMiB,
        ...(p.limits.timeoutSeconds === undefined ? {} : { timeoutSeconds: p.limits.timeoutSeconds }),
        ...(p.limits.memoryMiB === undefined ? {} : { sleeveMemoryMiB: p.limits.memoryMiB }),
        ...(s.cpus === undefined ? {} : { cpus: s.cpus }),
        ...(s.memoryTotalMiB === undefined ? {} : { memoryMiB: s.memoryTotalMiB }),
        audit: p.audit.enabled,
        hash: p.audit.hash,
        auditIgnore: p.audit.ignore,
        signal,
      });
    } catch (error) {
      // A step that does not plan here (exit 2) never ran: refused with the planner's own message.
      if (error instanceof SleeveSandboxError && error.exitCode === 2) refuse(`the step does not pass this worker's checks: ${error.message}`);
      throw error;
    }
    const report = res.audit.report;
    const sleeve = report.sleeves[0];
    if (!sleeve) throw new Error('the batch reported no sleeve');
    let zip: JobResult['zip'] = null;
    let artifactError: string | undefined;
    if (fs.existsSync(runDir)) {
      const listing = listRunDir(runDir);
      const bytes = listing.entries.reduce((n, e) => n + e.size, 0);
      if (bytes > s.artifactLimitBytes) {
        artifactError = `the run dir holds ${bytes} bytes of files, past worker ${s.id}'s artifact cap of ${s.artifactLimitBytes} bytes: not sent; raise the worker's --artifact-limit (MiB) or write less`;
      } else {
        const file = path.join(tmp, `${p.step.runId}.zip`);
        const z = await zipRunDir(p.step.runId, file, listing);
        if (z.size > s.artifactLimitBytes) {
          artifactError = `the zip of the run dir is ${z.size} bytes, past worker ${s.id}'s artifact cap of ${s.artifactLimitBytes} bytes: not sent; raise the worker's --artifact-limit (MiB)`;
        } else {
          zip = { sha256: z.sha256, size: z.size, base64: fs.readFileSync(file).toString('base64') };
        }
      }
    }
    return {
      wire: WIRE_VERSION,
      batchId: p.batchId,
      runId: p.step.runId,
      worker: { id: s.id, host: os.hostname(), pid: process.pid },
      attempts: job.attemptsStarted ?? 1,
      fingerprint: mine.digest,
      audit: { verdict: report.verdict, exitCode: report.exitCode ?? null, weakened: report.weakened, violations: report.violations, sleeve },
      zip,
      ...(artifactError === undefined ? {} : { artifactError }),
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Starts a worker on the queue; it runs until `close()`. */
export function startWorker(s: WorkerSettings): RunningWorker {
  const active = new Map<string, { batchId: string; abort: AbortController }>();
  // One plain client polls the cancel keys of the batches running here.
  const control = new Redis(connectionOptions(s.target) as import('ioredis').RedisOptions);
  control.on('error', () => {});
  const poll = setInterval(() => {
    const batches = new Set([...active.values()].map((a) => a.batchId));
    for (const b of batches) {
      control.exists(cancelKey(b)).then(
        (n) => {
          if (n === 0) return;
          for (const [jobId, a] of active) {
            if (a.batchId === b && !a.abort.signal.aborted) {
              s.log(`worker ${s.id}: job ${escapeTerminal(jobId)}: batch ${escapeTerminal(b)} cancelled by its submitter; stopping the sleeve`);
              a.abort.abort();
            }
          }
        },
        () => {},
      );
    }
  }, 300);
  poll.unref();
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job, _token?: string, bullSignal?: AbortSignal) => {
      const parsed = jobPayloadSchema.safeParse(job.data);
      if (!parsed.success) {
        s.log(`worker ${s.id}: job ${escapeTerminal(String(job.id))}: refused: invalid payload: ${escapeTerminal(firstIssue(parsed.error))}`);
        refuse(`invalid payload: ${firstIssue(parsed.error)}`);
      }
      const p = parsed.data;
      const abort = new AbortController();
      bullSignal?.addEventListener('abort', () => abort.abort(), { once: true });
      active.set(String(job.id), { batchId: p.batchId, abort });
      s.log(`worker ${s.id}: job ${escapeTerminal(String(job.id))}: ${escapeTerminal(p.step.name)} (run ${p.step.runId}, attempt ${job.attemptsStarted ?? 1})`);
      try {
        const r = await runJob(p, job, s, abort.signal);
        s.log(
          `worker ${s.id}: job ${escapeTerminal(String(job.id))}: ${r.audit.sleeve.status}, verdict ${r.audit.verdict}${r.zip ? `, zip ${r.zip.size} bytes` : ''}${r.artifactError ? `; ${r.artifactError}` : ''}`,
        );
        return r;
      } catch (error) {
        s.log(`worker ${s.id}: job ${escapeTerminal(String(job.id))}: ${escapeTerminal(s.target.redact((error as Error).message))}`);
        throw error;
      } finally {
        active.delete(String(job.id));
      }
    },
    {
      connection: connectionOptions(s.target),
      concurrency: s.concurrency,
      name: s.id,
      autorun: true,
      ...(s.lockDurationMs === undefined ? {} : { lockDuration: s.lockDurationMs }),
      ...(s.stalledIntervalMs === undefined ? {} : { stalledInterval: s.stalledIntervalMs }),
    },
  );
  worker.on('error', (error) => s.log(`worker ${s.id}: ${escapeTerminal(s.target.redact(error.message))}`));
  return {
    id: s.id,
    ready: worker.waitUntilReady().then(() => {}),
    running: () => active.size,
    close: async () => {
      await worker.close();
      clearInterval(poll);
      control.disconnect();
    },
    stopNow: async () => {
      for (const a of active.values()) a.abort.abort();
      clearInterval(poll);
      control.disconnect();
      await worker.close(true);
    },
  };
}

/** A worker id for this process: `<host>-<pid>-<4 hex>`. */
export function defaultWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
}
