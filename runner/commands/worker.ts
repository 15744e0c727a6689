/**
 * `sleeve-sandbox worker --queue redis://HOST:PORT`: takes sleeve jobs from
 * the queue and runs each over this machine's workspace replica
 * (runner/queue/worker.ts). Runs until SIGTERM or SIGINT: the first stops
 * taking jobs and waits for the running ones to finish (exit 0); a second
 * exits at once, and the running jobs, whose locks are no longer renewed, are
 * found stalled and run again by another worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../policies/errors.js';
import { escapeTerminal } from '../batch/progress.js';
import type { Io } from '../io.js';
import { parseRedisUrl, probeRedis } from '../queue/connection.js';
import { DEFAULT_ARTIFACT_LIMIT_MIB, defaultWorkerId, startWorker } from '../queue/worker.js';

export interface WorkerCommandOptions {
  queue: string | undefined;
  workspace: string | undefined;
  concurrency: number | undefined;
  cpus: number | undefined;
  memoryTotal: number | undefined;
  artifactLimitMiB: number | undefined;
  id: string | undefined;
  lockDurationMs: number | undefined;
  stalledIntervalMs: number | undefined;
}

export async function workerCommand(o: WorkerCommandOptions, io: Io): Promise<number> {
  const target = parseRedisUrl(o.queue, io.env);
  const workspace = path.resolve(io.cwd, o.workspace ?? '.');
  if (!fs.existsSync(workspace) || !fs.statSync(workspace).isDirectory()) throw new UsageError(`--workspace ${escapeTerminal(workspace)}: not a directory`);
  const real = fs.realpathSync(workspace);
  const info = await probeRedis(target);
  if (info.maxmemoryPolicy !== undefined && info.maxmemoryPolicy !== 'noeviction') {
    io.stderr(
      `sleeve-sandbox: Redis at ${target.shown} has maxmemory-policy ${escapeTerminal(info.maxmemoryPolicy)}; BullMQ needs noeviction (jobs may vanish otherwise)\n`,
    );
  }
  const id = o.id ?? defaultWorkerId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) throw new UsageError(`--id ${JSON.stringify(id)}: expected letters, digits, ".", "_" or "-"`);
  const w = startWorker({
    target,
    workspace: real,
    concurrency: o.concurrency ?? 1,
    ...(o.cpus === undefined ? {} : { cpus: o.cpus }),
    ...(o.memoryTotal === undefined ? {} : { memoryTotalMiB: o.memoryTotal }),
    artifactLimitBytes: Math.round((o.artifactLimitMiB ?? DEFAULT_ARTIFACT_LIMIT_MIB) * 1024 * 1024),
    id,
    env: io.env,
    log: (text) => io.stderr(`${text}\n`),
    ...(o.lockDurationMs === undefined ? {} : { lockDurationMs: o.lockDurationMs }),
    ...(o.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: o.stalledIntervalMs }),
  });
  await w.ready;
  io.stderr(
    `sleeve-sandbox: worker ${id} on ${target.shown} (Redis ${info.version ?? '?'}), workspace ${escapeTerminal(real)}, concurrency ${o.concurrency ?? 1}: ready\n`,
  );
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const remove = io.onSignal?.((signal) => {
      if (stopping) {
        io.stderr(`sleeve-sandbox: worker ${id}: ${signal} again: exiting now; the running job(s) will be retried by another worker\n`);
        w.stopNow().then(
          () => resolve(1),
          () => resolve(1),
        );
        return;
      }
      stopping = true;
      io.stderr(`sleeve-sandbox: worker ${id}: ${signal}: no new jobs; finishing ${w.running()} running job(s) (again to exit now)\n`);
      w.close().then(
        () => {
          remove?.();
          io.stderr(`sleeve-sandbox: worker ${id}: stopped\n`);
          resolve(0);
        },
        () => resolve(1),
      );
    });
  });
}
