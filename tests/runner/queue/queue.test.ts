/**
 * `run --queue` and `worker` end to end with the real components: a real
 * redis-server (tests/helpers/redis.ts), real worker processes each over its
 * own workspace replica in a temp dir (standing in for machines), the real
 * bin as the submitter. Each test checks the exit code, the merged
 * audit.json and the disk of the submitter and of the replicas.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { childEnv, collect, runBin, show, startBin } from '../../helpers/cli.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import { type RedisServer, freePort, needsRedis, startRedis } from '../../helpers/redis.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';
import { QUEUE_NAME } from '../../../runner/queue/wire.js';
import { type TestWorker, copyExample, startWorkerProc, stopWorkers } from './workers.js';

interface AuditJson {
  verdict: string;
  exitCode: number;
  sleeves: Array<{ name: string; runId: string; status: string; error?: string; artifacts: Array<{ path: string }>; layers: string[] }>;
  workers?: Array<{
    worker: string | null;
    sleeve: string;
    runId: string;
    jobId: string;
    verdict: string;
    attempts: number;
    stalled: number;
    zip: { sha256: string; size: number } | null;
    error?: string;
  }>;
}

function auditOf(ws: string): AuditJson {
  const dir = path.join(ws, 'reports');
  const [batch] = fs.readdirSync(dir).filter((d) => d.startsWith('batch_'));
  assert.ok(batch, `a report dir in ${dir}`);
  return JSON.parse(fs.readFileSync(path.join(dir, batch, 'audit.json'), 'utf8')) as AuditJson;
}

/** Files of a run dir, relative, logs/ and the runner's tmp/ left out. */
function outputsOf(runDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === 'logs' || r === 'tmp') continue;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(runDir, '');
  return out.sort();
}

const TINY = {
  'data/lakehouse/a.csv': 'date,close\n2024-01-02,1\n',
  'sleeves/ok.ts':
    "import fs from 'node:fs';\nimport path from 'node:path';\nconst dir = process.env.SLEEVE_RUN_DIR as string;\nfs.writeFileSync(path.join(dir, 'out.txt'), 'hello from ' + process.env.SLEEVE_NAME + '\\n');\n",
  'sleeves/big.ts':
    "import fs from 'node:fs';\nimport path from 'node:path';\nfs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR as string, 'big.bin'), Buffer.alloc(200_000, 7));\n",
  'sleeves/slow.ts':
    "import fs from 'node:fs';\nimport path from 'node:path';\nconst dir = process.env.SLEEVE_RUN_DIR as string;\nfs.writeFileSync(path.join(dir, 'started'), '1');\nawait new Promise((r) => setTimeout(r, 4000));\nfs.writeFileSync(path.join(dir, 'out.txt'), 'slow done\\n');\n",
};

/** A tiny workspace at `<root>/<name>`. */
function tiny(root: string, name: string, extra: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  writeTree(dir, { ...TINY, ...extra });
  return dir;
}

describe('run --queue: sleeves on workers through Redis', { skip: needsRedis }, () => {
  let redis: RedisServer;
  const workers: TestWorker[] = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await stopWorkers(workers);
    await redis?.stop();
  });

  it('runs the example batch (seed layout, with its combine step) on three workers with the results of a local run and one merged clean audit', {
    skip: needsOsLayer,
    timeout: 180_000,
  }, async () => {
    const tmp = makeTempDir('sleeve-queue-example-');
    try {
      const local = copyExample(tmp.dir, 'local');
      const sub = copyExample(tmp.dir, 'submitter');
      const ws = [1, 2, 3].map((i) => startWorkerProc(redis.url, copyExample(tmp.dir, `w${i}`), `w${i}`));
      workers.push(...ws);
      await Promise.all(ws.map((w) => w.ready));
      const mem = String(6 * 3072);
      const l = await runBin(['run', '--manifest', 'seed-manifest.json', '--json', '--cpus', '2', '--memory-total', mem], local);
      assert.equal(l.code, 0, show(l));
      const q = await runBin(['run', '--manifest', 'seed-manifest.json', '--json', '--queue', redis.url], sub);
      assert.equal(q.code, 0, `${show(q)}\n${ws.map((w) => w.log()).join('\n')}`);
      const ls = JSON.parse(l.stdout) as { sleeves: Array<{ name: string; kind: string; status: string; runDir: string }> };
      const qs = JSON.parse(q.stdout) as { verdict: string; sleeves: Array<{ name: string; kind: string; status: string; runDir: string }> };
      assert.equal(qs.verdict, 'clean');
      assert.deepEqual(
        qs.sleeves.map((s) => [s.name, s.kind, s.status]),
        ls.sleeves.map((s) => [s.name, s.kind, s.status]),
      );
      assert.equal(qs.sleeves.length, 7);
      // The combine step ran on the submitter over the delivered run dirs: the same meta portfolio.
      const meta = (runDir: string) => (JSON.parse(fs.readFileSync(path.join(runDir, 'meta_portfolio.json'), 'utf8')) as { weights: unknown }).weights;
      assert.deepEqual(meta((qs.sleeves[6] as { runDir: string }).runDir), meta((ls.sleeves[6] as { runDir: string }).runDir));
      for (const [i, s] of qs.sleeves.slice(0, 6).entries()) {
        const mine = ls.sleeves[i] as { runDir: string };
        assert.ok(s.runDir.startsWith(`${sub}/artifacts/summaries/runs/`), s.runDir);
        assert.deepEqual(outputsOf(s.runDir), outputsOf(mine.runDir), s.name);
        // The optimiser's output is the same, byte for byte.
        const cand = (d: string) => fs.readFileSync(path.join(d, 'portfolio_candidates.json'), 'utf8');
        assert.equal(cand(s.runDir), cand(mine.runDir), s.name);
        assert.ok(fs.statSync(path.join(s.runDir, 'logs', 'stderr.log')).isFile());
      }
      const audit = auditOf(sub);
      assert.equal(audit.verdict, 'clean');
      assert.equal(audit.workers?.length, 6);
      for (const w of audit.workers ?? []) {
        assert.equal(w.verdict, 'clean');
        assert.equal(w.attempts, 1);
        assert.match(w.zip?.sha256 ?? '', /^[0-9a-f]{64}$/);
      }
      assert.ok(new Set(audit.workers?.map((w) => w.worker)).size >= 2, 'the jobs spread over more than one worker');
      for (const s of audit.sleeves.slice(0, 6))
        assert.ok(
          s.artifacts.some((a) => a.path.endsWith('portfolio_candidates.json')),
          s.name,
        );
      // Nothing of the batch is left in Redis.
      const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port } });
      try {
        const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
        assert.deepEqual(counts, { waiting: 0, active: 0, completed: 0, failed: 0 });
      } finally {
        await queue.close();
      }
    } finally {
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });

  it('a worker whose replica differs refuses the job with the reason, and never runs it', { timeout: 60_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-fp-');
    try {
      const sub = tiny(tmp.dir, 'submitter');
      const replica = tiny(tmp.dir, 'w1', { 'data/lakehouse/a.csv': 'date,close\n2024-01-02,2\n' });
      const w = startWorkerProc(redis.url, replica, 'w-stale');
      workers.push(w);
      await w.ready;
      const q = await runBin(['run', '--queue', redis.url, '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.ts'], sub);
      assert.equal(q.code, 1, show(q));
      const audit = auditOf(sub);
      assert.equal(audit.verdict, 'failed');
      const s = audit.sleeves[0];
      assert.equal(s?.status, 'failed');
      assert.match(s?.error ?? '', /refused: this replica .* does not match the job's workspace fingerprint: the lakehouse data\/lakehouse differs/);
      assert.equal(audit.workers?.[0]?.verdict, 'refused');
      assert.equal(fs.existsSync(path.join(replica, 'runs')), false, 'nothing ran on the stale replica');
      assert.equal(fs.existsSync(path.join(sub, 'runs', s?.runId ?? 'x')), false);
    } finally {
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });

  it('a worker refuses a payload that fails validation, names the field, and keeps serving', { timeout: 60_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-bad-');
    const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const replica = tiny(tmp.dir, 'w1');
      const w = startWorkerProc(redis.url, replica, 'w-strict');
      workers.push(w);
      await w.ready;
      const bad = [
        { name: 'not-an-object', data: 'run me' },
        { name: 'escaping-entry', data: { wire: 1, batchId: 'batch_x', step: { name: 'x', runId: 'x', entry: '../../etc/passwd.js' } } },
      ];
      for (const b of bad) await queue.add(b.name, b.data, { jobId: `bad.${b.name}`, attempts: 1 });
      const deadline = Date.now() + 20_000;
      for (const b of bad) {
        for (;;) {
          const state = await queue.getJobState(`bad.${b.name}`);
          if (state === 'failed') {
            const job = await queue.getJob(`bad.${b.name}`);
            assert.match(job?.failedReason ?? '', /^refused: invalid payload: /, b.name);
            assert.equal(job?.attemptsMade, 1, 'never retried');
            break;
          }
          assert.ok(Date.now() < deadline, `${b.name}: still ${state}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.equal(fs.existsSync(path.join(replica, 'runs')), false, 'nothing ran');
      assert.equal(w.proc.exitCode, null, 'the worker keeps serving');
      // And it still runs a good job afterwards.
      const sub = tiny(tmp.dir, 'submitter');
      const q = await runBin(['run', '--queue', redis.url, '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.ts'], sub);
      assert.equal(q.code, 0, `${show(q)}\n${w.log()}`);
    } finally {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });

  it('a worker SIGKILLed mid-sleeve costs a retry on another worker: one run dir, attempts recorded', { timeout: 90_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-kill-');
    try {
      const sub = tiny(tmp.dir, 'submitter');
      const fast = ['--lock-duration', '3000', '--stalled-interval', '1000'];
      const ws = [1, 2].map((i) => startWorkerProc(redis.url, tiny(tmp.dir, `w${i}`), `w${i}`, fast));
      workers.push(...ws);
      await Promise.all(ws.map((w) => w.ready));
      const run = collect(startBin(['run', '--queue', redis.url, '--policy', 'strict', '--sleeve', 'slow=sleeves/slow.ts'], sub, childEnv()), 80_000);
      let victim: TestWorker | undefined;
      const deadline = Date.now() + 30_000;
      while (!victim) {
        victim = ws.find(
          (w) =>
            fs.existsSync(path.join(tmp.dir, w.id, 'runs')) &&
            fs.readdirSync(path.join(tmp.dir, w.id, 'runs')).some((d) => fs.existsSync(path.join(tmp.dir, w.id, 'runs', d, 'started'))),
        );
        assert.ok(Date.now() < deadline, 'a worker started the sleeve');
        await new Promise((r) => setTimeout(r, 50));
      }
      victim.proc.kill('SIGKILL');
      const q = await run;
      assert.equal(q.code, 0, `${show(q)}\n${ws.map((w) => w.log()).join('\n')}`);
      const audit = auditOf(sub);
      assert.equal(audit.verdict, 'clean');
      const rec = audit.workers?.[0];
      assert.ok(rec);
      assert.notEqual(rec.worker, victim.id, 'the survivor finished it');
      assert.equal(rec.attempts, 2);
      assert.ok(rec.stalled >= 1);
      const runs = fs.readdirSync(path.join(sub, 'runs')).filter((d) => !d.startsWith('.'));
      assert.deepEqual(runs, [audit.sleeves[0]?.runId]);
      assert.equal(fs.readFileSync(path.join(sub, 'runs', runs[0] as string, 'out.txt'), 'utf8'), 'slow done\n');
    } finally {
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });

  it('two submitters on one queue each get their own results only', { timeout: 90_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-two-');
    try {
      const a = tiny(tmp.dir, 'a');
      const b = tiny(tmp.dir, 'b');
      const ws = [1, 2].map((i) => startWorkerProc(redis.url, tiny(tmp.dir, `w${i}`), `w${i}`));
      workers.push(...ws);
      await Promise.all(ws.map((w) => w.ready));
      const args = ['run', '--json', '--queue', redis.url, '--policy', 'strict', '--sleeve', 'one=sleeves/ok.ts', '--sleeve', 'two=sleeves/ok.ts'];
      const [ra, rb] = await Promise.all([runBin(args, a), runBin(args, b)]);
      assert.equal(ra.code, 0, show(ra));
      assert.equal(rb.code, 0, show(rb));
      for (const [ws, r] of [
        [a, ra],
        [b, rb],
      ] as const) {
        const summary = JSON.parse(r.stdout) as { sleeves: Array<{ runId: string }> };
        const ids = summary.sleeves.map((s) => s.runId).sort();
        assert.deepEqual(
          fs
            .readdirSync(path.join(ws, 'runs'))
            .filter((d) => !d.startsWith('.'))
            .sort(),
          ids,
        );
        const audit = auditOf(ws);
        assert.deepEqual(audit.workers?.map((w) => w.runId).sort(), ids);
      }
    } finally {
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });

  it('Ctrl-C on the submitter cancels the batch everywhere: the running sleeve stopped on its worker, the waiting job removed', {
    timeout: 60_000,
  }, async () => {
    const tmp = makeTempDir('sleeve-queue-int-');
    try {
      const sub = tiny(tmp.dir, 'submitter');
      const replica = tiny(tmp.dir, 'w1');
      const w = startWorkerProc(redis.url, replica, 'w1');
      workers.push(w);
      await w.ready;
      const child = startBin(
        ['run', '--json', '--queue', redis.url, '--policy', 'strict', '--sleeve', 'first=sleeves/slow.ts', '--sleeve', 'second=sleeves/slow.ts'],
        sub,
        childEnv(),
      );
      const run = collect(child, 50_000);
      const deadline = Date.now() + 30_000;
      while (
        !(
          fs.existsSync(path.join(replica, 'runs')) &&
          fs.readdirSync(path.join(replica, 'runs')).some((d) => fs.existsSync(path.join(replica, 'runs', d, 'started')))
        )
      ) {
        assert.ok(Date.now() < deadline, 'the worker started a sleeve');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      const q = await run;
      assert.equal(q.code, 1, show(q));
      const summary = JSON.parse(q.stdout) as { interrupted: string; sleeves: Array<{ name: string; status: string }> };
      assert.equal(summary.interrupted, 'SIGINT');
      assert.deepEqual(summary.sleeves.map((s) => [s.name, s.status]).sort(), [
        ['first', 'interrupted'],
        ['second', 'cancelled'],
      ]);
      // The worker stopped the sleeve before it wrote its output, and never started the second.
      const ran = fs.readdirSync(path.join(replica, 'runs')).filter((d) => !d.startsWith('.'));
      assert.equal(ran.length, 1);
      assert.equal(fs.existsSync(path.join(replica, 'runs', ran[0] as string, 'out.txt')), false);
      const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port } });
      try {
        const batchId = fs.readdirSync(path.join(sub, 'reports')).find((d) => d.startsWith('batch_')) as string;
        const left = (await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).filter((j) => String(j.id).startsWith(`${batchId}.`));
        assert.deepEqual(
          left.map((j) => j.id),
          [],
          "none of the batch's jobs is left in Redis",
        );
      } finally {
        await queue.close();
      }
    } finally {
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });

  it("a run dir past the worker's artifact cap is not sent: the sleeve fails with the cap named", { timeout: 60_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-cap-');
    try {
      const sub = tiny(tmp.dir, 'submitter');
      const w = startWorkerProc(redis.url, tiny(tmp.dir, 'w1'), 'w-small', ['--artifact-limit', '0.05']);
      workers.push(w);
      await w.ready;
      const q = await runBin(['run', '--queue', redis.url, '--policy', 'strict', '--sleeve', 'big=sleeves/big.ts'], sub);
      assert.equal(q.code, 1, show(q));
      const s = auditOf(sub).sleeves[0];
      assert.equal(s?.status, 'failed');
      assert.match(s?.error ?? '', /past worker w-small's artifact cap of 52429 bytes: not sent; raise the worker's --artifact-limit/);
      assert.equal(fs.existsSync(path.join(sub, 'runs', s?.runId ?? 'x')), false);
    } finally {
      await stopWorkers(workers.splice(0));
      tmp.cleanup();
    }
  });
});

describe('run --queue: Redis faults', { skip: needsRedis }, () => {
  it('Redis unreachable at the start: exit 2 with the fix, nothing created, no password printed', { timeout: 30_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-down-');
    try {
      const sub = tiny(tmp.dir, 'submitter');
      const port = await freePort();
      const q = await runBin(['run', '--queue', `redis://sleeve:hunter2@127.0.0.1:${port}`, '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.ts'], sub);
      assert.equal(q.code, 2, show(q));
      assert.match(q.stderr, new RegExp(`cannot reach Redis at redis://sleeve:\\*\\*\\*@127\\.0\\.0\\.1:${port} .*start redis-server`));
      assert.doesNotMatch(q.stderr + q.stdout, /hunter2/);
      assert.equal(fs.existsSync(path.join(sub, 'runs')), false);
      assert.equal(fs.existsSync(path.join(sub, 'reports')), false);
    } finally {
      tmp.cleanup();
    }
  });

  it('doctor --queue: Redis, its eviction policy, the workers connected and the jobs; unreachable is exit 2 with the fix', { timeout: 60_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-doctor-');
    const redis = await startRedis();
    const ws: TestWorker[] = [];
    try {
      ws.push(startWorkerProc(redis.url, tiny(tmp.dir, 'w1'), 'doc-w1'));
      await ws[0]?.ready;
      const text = await runBin(['doctor', '--queue', redis.url], tmp.dir);
      assert.equal(text.code, 0, show(text));
      assert.match(text.stdout, new RegExp(`queue redis://127\\.0\\.0\\.1:${redis.port}: Redis \\S+, reachable`));
      assert.match(text.stdout, /maxmemory-policy: noeviction/);
      assert.match(text.stdout, /workers: 1 connected \(doc-w1\)/);
      assert.match(text.stdout, /jobs: 0 waiting, 0 active, 0 completed, 0 failed, 0 delayed/);
      // An eviction policy BullMQ cannot live with is named, with the fix.
      const { Redis } = await import('ioredis');
      const admin = new Redis({ host: '127.0.0.1', port: redis.port });
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const json = await runBin(['doctor', '--json', '--queue', redis.url], tmp.dir);
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      admin.disconnect();
      const report = JSON.parse(json.stdout) as {
        ok: boolean;
        queue: { reachable: boolean; evictionSafe: boolean; maxmemoryPolicy: string; workers: string[] };
      };
      assert.equal(report.queue.reachable, true);
      assert.equal(report.queue.evictionSafe, false);
      assert.equal(report.queue.maxmemoryPolicy, 'allkeys-lru');
      assert.deepEqual(report.queue.workers, ['doc-w1']);
      // Unreachable: not ok, the fix named, the password never printed.
      const port = await freePort();
      const down = await runBin(['doctor', '--queue', `redis://u:hunter2@127.0.0.1:${port}`], tmp.dir);
      assert.equal(down.code, 2, show(down));
      assert.match(down.stdout, /queue redis:\/\/u:\*\*\*@127\.0\.0\.1:\d+: not reachable: cannot reach Redis .*start redis-server/);
      assert.doesNotMatch(down.stdout + down.stderr, /hunter2/);
    } finally {
      await stopWorkers(ws);
      await redis.stop();
      tmp.cleanup();
    }
  });

  it('Redis lost mid-batch: the submitter stops with a clear error and still writes its reports', { timeout: 60_000 }, async () => {
    const tmp = makeTempDir('sleeve-queue-lost-');
    const redis = await startRedis();
    const ws: TestWorker[] = [];
    try {
      const sub = tiny(tmp.dir, 'submitter');
      const replica = tiny(tmp.dir, 'w1');
      ws.push(startWorkerProc(redis.url, replica, 'w1'));
      await ws[0]?.ready;
      const run = collect(
        startBin(['run', '--queue', redis.url, '--queue-lost', '2', '--policy', 'strict', '--sleeve', 'slow=sleeves/slow.ts'], sub, childEnv()),
        50_000,
      );
      const deadline = Date.now() + 30_000;
      while (
        !(
          fs.existsSync(path.join(replica, 'runs')) &&
          fs.readdirSync(path.join(replica, 'runs')).some((d) => fs.existsSync(path.join(replica, 'runs', d, 'started')))
        )
      ) {
        assert.ok(Date.now() < deadline, 'the worker started the sleeve');
        await new Promise((r) => setTimeout(r, 50));
      }
      await redis.stop();
      const q = await run;
      assert.equal(q.code, 1, show(q));
      assert.match(q.stderr, /lost contact with Redis at redis:\/\/127\.0\.0\.1:\d+ for \d+ s/);
      const audit = auditOf(sub);
      assert.equal(audit.verdict, 'failed');
      assert.match(audit.sleeves[0]?.error ?? '', /lost contact with Redis/);
    } finally {
      await stopWorkers(ws);
      await redis.stop();
      tmp.cleanup();
    }
  });
});
