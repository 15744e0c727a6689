/**
 * Benchmark section "queue": what `run --queue` costs against a local run,
 * and how it scales over workers (issue 15), with a real redis-server on a
 * free loopback port and real worker processes, each over its own copy of the
 * workspace (standing in for machines).
 *
 * - overhead: a batch of trivial `.js` sleeves at concurrency 1, locally and
 *   through the queue on one worker (concurrency 1), side by side in
 *   alternating order; the overhead per sleeve is the difference of the batch
 *   walls divided by the sleeves (target <= 15 ms);
 * - throughput: sleeves that wait 1 s each, through the queue on 1, 2 and 3
 *   workers (concurrency 1 each): the wall and the speed-up over one worker
 *   (near-linear is the target).
 *
 * Both sides run with `--os-layer off` (as the other sections but os-layer),
 * so the figures are the queue's own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { REDIS_SERVER, startRedis } from '../tests/helpers/redis.js';
import { type SectionReport, median } from './policy-decide.js';
import { CLI, alternate, createBenchWorkspace, fmtMs, runCli, valueLine } from './workspace.js';

export interface QueueBenchOptions {
  reps?: number;
  /** Sleeves of the overhead batch. */
  batch?: number;
  /** Sleeves of the throughput batch (1 s each). */
  waiting?: number;
  progress?: (message: string) => void;
}

export const QUEUE_TARGETS = Object.freeze({ overheadMsPerSleeve: 15 });

const TRIVIAL = `import fs from 'node:fs';
import path from 'node:path';
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;
const WAIT_1S = `import fs from 'node:fs';
import path from 'node:path';
await new Promise((r) => setTimeout(r, 1000));
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;

interface BenchWorker {
  proc: ChildProcess;
  stop: () => Promise<void>;
}

/** A worker process over `workspace`, ready when it says so. */
async function startWorker(url: string, workspace: string, id: string): Promise<BenchWorker> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  delete env.NODE_V8_COVERAGE;
  const proc = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--workspace', workspace, '--id', id, '--concurrency', '1'], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
      log += s;
      if (log.includes(': ready')) resolve();
    });
    void exited.then(() => reject(new Error(`worker ${id} exited before it was ready:\n${log}`)));
  });
  return {
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export async function benchQueue(options: QueueBenchOptions = {}): Promise<SectionReport> {
  if (!REDIS_SERVER)
    return { name: 'queue', lines: ['queue: not measured: redis-server is not installed (apt-get install redis-server)'], json: { available: false } };
  const reps = options.reps ?? 3;
  const batch = options.batch ?? 8;
  const waiting = options.waiting ?? 6;
  const progress = options.progress ?? (() => {});
  const redis = await startRedis();
  const ws = createBenchWorkspace({ files: 50, dirs: 5, fileBytes: 200 });
  const replicas: string[] = [];
  const workers: BenchWorker[] = [];
  try {
    const trivial = ws.sleeve('trivial.js', TRIVIAL);
    const wait = ws.sleeve('wait.js', WAIT_1S);
    // Each worker's replica: a copy made after the sleeves exist (the fingerprint covers them).
    for (const i of [1, 2, 3]) {
      const dir = `${ws.root}-w${i}`;
      fs.cpSync(ws.root, dir, { recursive: true });
      replicas.push(dir);
    }
    const names = (n: number, entry: string, tag: string) => Array.from({ length: n }, (_, i) => [`${tag}${String(i).padStart(2, '0')}`, entry] as const);
    const local = async () => (await runCli(ws, names(batch, trivial, 'l'), 1)).ms;
    const queued = async () => (await runCli(ws, names(batch, trivial, 'q'), 1, ['--queue', redis.url])).ms;

    progress('queue: overhead: warming up ...');
    workers.push(await startWorker(redis.url, replicas[0] as string, 'w1'));
    await local();
    await queued();
    ws.clearRuns();
    const samples: Record<'local' | 'queue', number[]> = { local: [], queue: [] };
    for (let rep = 0; rep < reps; rep++) {
      const order = alternate(['local', 'queue'] as const, rep);
      progress(`queue: overhead: repetition ${rep + 1}/${reps}: ${order.join(', ')} ...`);
      for (const v of order) {
        samples[v].push(v === 'local' ? await local() : await queued());
        ws.clearRuns();
      }
    }
    const overhead = median(samples.queue.map((q, i) => (q - (samples.local[i] as number)) / batch));

    // Throughput: 1, 2, 3 workers (w1 is up), sleeves that wait 1 s.
    const walls: Record<number, number[]> = { 1: [], 2: [], 3: [] };
    for (const count of [1, 2, 3]) {
      while (workers.length < count) workers.push(await startWorker(redis.url, replicas[workers.length] as string, `w${workers.length + 1}`));
      for (let rep = 0; rep < reps; rep++) {
        progress(`queue: throughput: ${count} worker(s), repetition ${rep + 1}/${reps} ...`);
        walls[count]?.push((await runCli(ws, names(waiting, wait, `t${count}_`), waiting, ['--queue', redis.url])).ms);
        ws.clearRuns();
      }
    }
    const wall = (n: number) => median(walls[n] ?? []);
    const speedup = (n: number) => wall(1) / wall(n);
    const pass = { overhead: overhead <= QUEUE_TARGETS.overheadMsPerSleeve };
    const lines = [
      `queue: redis-server on loopback, workers over their own replicas; overhead: ${batch} trivial .js sleeves at concurrency 1; throughput: ${waiting} sleeves of 1 s; median of ${reps} reps`,
      valueLine('local run, batch wall', fmtMs(median(samples.local))),
      valueLine('run --queue on 1 worker, batch wall', fmtMs(median(samples.queue))),
      `  overhead per sleeve: ${overhead.toFixed(1)} ms  (target <= ${QUEUE_TARGETS.overheadMsPerSleeve} ms: ${pass.overhead ? 'met' : 'MISSED'})`,
      ...[1, 2, 3].map((n) =>
        valueLine(`${waiting} x 1 s on ${n} worker(s)`, fmtMs(wall(n)), `speed-up ${speedup(n).toFixed(2)}x over one worker (ideal ${Math.min(n, waiting)}x)`),
      ),
    ];
    return {
      name: 'queue',
      lines,
      json: {
        available: true,
        reps,
        batch,
        waiting,
        overheadMsPerSleeve: overhead,
        samples,
        walls,
        speedup: { 2: speedup(2), 3: speedup(3) },
        targets: QUEUE_TARGETS,
        pass,
      },
    };
  } finally {
    for (const w of workers) await w.stop().catch(() => {});
    await redis.stop();
    for (const r of replicas) fs.rmSync(r, { recursive: true, force: true });
    ws.remove();
  }
}
