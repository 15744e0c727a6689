/**
 * `doctor --queue URL`: the queue's health as a submitter or a worker sees
 * it. Redis reachable (version), its `maxmemory-policy` (BullMQ needs
 * `noeviction`: an evicted key is a lost job), the workers connected to the
 * queue (BullMQ lists them by their client name: the worker's `--id`), and the
 * jobs by state. Never prints the password (connection.ts redacts).
 */
import { Queue } from 'bullmq';
import { type RedisTarget, connectionOptions, probeRedis } from './connection.js';
import { QUEUE_NAME } from './wire.js';

export interface QueueHealth {
  url: string;
  reachable: boolean;
  problem: string | null;
  redisVersion: string | null;
  maxmemoryPolicy: string | null;
  /** noeviction, or unknown (CONFIG disabled): fine; anything else: a warning. */
  evictionSafe: boolean | null;
  workers: string[];
  jobs: Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed', number> | null;
}

const bounded = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms).unref())]);

export async function queueHealth(target: RedisTarget, timeoutMs = 3000): Promise<QueueHealth> {
  const base: QueueHealth = {
    url: target.shown,
    reachable: false,
    problem: null,
    redisVersion: null,
    maxmemoryPolicy: null,
    evictionSafe: null,
    workers: [],
    jobs: null,
  };
  let info: Awaited<ReturnType<typeof probeRedis>>;
  try {
    info = await probeRedis(target, timeoutMs);
  } catch (error) {
    return { ...base, problem: (error as Error).message };
  }
  const out: QueueHealth = {
    ...base,
    reachable: true,
    redisVersion: info.version ?? null,
    maxmemoryPolicy: info.maxmemoryPolicy ?? null,
    evictionSafe: info.maxmemoryPolicy === undefined ? null : info.maxmemoryPolicy === 'noeviction',
  };
  const queue = new Queue(QUEUE_NAME, { connection: connectionOptions(target, { maxRetriesPerRequest: 1, retryStrategy: () => null }) });
  queue.on('error', () => {});
  try {
    const workers = await bounded(queue.getWorkers(), timeoutMs, 'listing the workers');
    // BullMQ names a worker's connections `<prefix>:<queue>:w:<name>` (rawname); one worker holds several.
    const names = workers.map((w) => {
      const raw = String(w.rawname ?? '');
      const at = raw.indexOf(':w:');
      return at >= 0 ? raw.slice(at + 3) : '(unnamed)';
    });
    out.workers = [...new Set(names)].sort();
    const c = await bounded(queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'), timeoutMs, 'counting the jobs');
    out.jobs = { waiting: c.waiting ?? 0, active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0, delayed: c.delayed ?? 0 };
  } catch (error) {
    out.problem = target.redact((error as Error).message);
  } finally {
    await bounded(queue.close(), 2000, 'closing').catch(() => {});
  }
  return out;
}

/** The health in lines, for `doctor`. */
export function describeQueueHealth(h: QueueHealth): string[] {
  if (!h.reachable) return [`queue ${h.url}: not reachable: ${h.problem ?? 'unknown'}`];
  const lines = [`queue ${h.url}: Redis ${h.redisVersion ?? '(version unknown)'}, reachable`];
  lines.push(
    h.evictionSafe === false
      ? `  maxmemory-policy ${h.maxmemoryPolicy}: BullMQ needs noeviction (an evicted key is a lost job): redis-cli CONFIG SET maxmemory-policy noeviction, and the same in redis.conf`
      : `  maxmemory-policy: ${h.maxmemoryPolicy ?? 'unknown (CONFIG is disabled here; make sure it is noeviction)'}`,
  );
  lines.push(
    h.workers.length === 0
      ? '  workers: none connected (start one: sleeve-sandbox worker --queue ...)'
      : `  workers: ${h.workers.length} connected (${h.workers.join(', ')})`,
  );
  if (h.jobs)
    lines.push(
      `  jobs: ${Object.entries(h.jobs)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
  if (h.problem) lines.push(`  problem: ${h.problem}`);
  return lines;
}
