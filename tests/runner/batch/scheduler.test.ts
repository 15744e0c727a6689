/**
 * The scheduler's rule in-process, with fake totals: a table of the cases
 * that matter, and a property over random pools, asks, concurrency bounds and
 * orders in which the running sleeves end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Resources, askProblem, defaultPool, fits, memoryReserveMiB, nextToStart } from '../../../runner/batch/scheduler.js';

const r = (cpus: number, memoryMiB: number): Resources => ({ cpus, memoryMiB });

describe('the scheduler rule', () => {
  it('starts the head when both its cpus and its memory fit beside the running', () => {
    const pool = r(4, 8192);
    assert.equal(nextToStart(pool, [r(2, 3072)], [r(2, 3072)], 8), 0);
    assert.equal(nextToStart(pool, [r(2, 3072), r(2, 3072)], [r(1, 1)], 8), undefined, 'cpus full');
    assert.equal(nextToStart(pool, [r(1, 6144)], [r(1, 3072)], 8), undefined, 'memory full though cpus are free');
  });

  it('is strict FIFO: a small sleeve behind a head that does not fit waits', () => {
    assert.equal(nextToStart(r(4, 8192), [r(3, 1024)], [r(2, 1024), r(1, 1024)], 8), undefined);
  });

  it('--concurrency bounds the running set even when the pool has room', () => {
    assert.equal(nextToStart(r(64, 1 << 20), [r(1, 1), r(1, 1)], [r(1, 1)], 2), undefined);
    assert.equal(nextToStart(r(64, 1 << 20), [r(1, 1)], [r(1, 1)], 2), 0);
  });

  it('counts fractional cpus exactly (0.1 three times fits 0.3)', () => {
    assert.equal(fits(r(0.3, 100), [r(0.1, 1), r(0.1, 1)], r(0.1, 1)), true);
    assert.equal(fits(r(0.3, 100), [r(0.1, 1), r(0.1, 1), r(0.1, 1)], r(0.001, 1)), false);
  });

  it('names what an ask that can never fit exceeds', () => {
    assert.equal(askProblem(r(2, 4096), r(2, 4096)), undefined);
    assert.equal(askProblem(r(2, 4096), r(3, 1024)), 'asks for 3 cpus of 2');
    assert.equal(askProblem(r(2, 4096), r(4, 8192)), 'asks for 4 cpus of 2 and 8192 MiB of 4096 MiB');
  });

  it('reserves 10% of the machine, at least 1 GiB, in the default pool', () => {
    assert.equal(memoryReserveMiB(4096), 1024);
    assert.equal(memoryReserveMiB(65536), 6554);
    assert.deepEqual(defaultPool(8, 65536), { cpus: 8, memoryMiB: 65536 - 6554 });
    assert.deepEqual(defaultPool(1, 512), { cpus: 1, memoryMiB: 0 });
  });
});

describe('the scheduler over random batches (property)', () => {
  const batch = fc
    .record({
      cpus: fc.integer({ min: 1, max: 16 }).map((n) => n / 2),
      memoryMiB: fc.integer({ min: 256, max: 65536 }),
      concurrency: fc.integer({ min: 1, max: 8 }),
      asks: fc.array(fc.record({ cpus: fc.integer({ min: 1, max: 32 }), mem: fc.integer({ min: 1, max: 1000 }) }), { minLength: 0, maxLength: 30 }),
      ends: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    })
    .map((b) => ({
      pool: r(b.cpus, b.memoryMiB),
      concurrency: b.concurrency,
      // Every ask fits the empty pool (the planner refuses the others before anything runs).
      asks: b.asks.map((a) => r(Math.min(b.cpus, a.cpus / 4), Math.max(1, Math.floor((b.memoryMiB * a.mem) / 1000)))),
      ends: b.ends,
    }));

  it('never over-commits, starts in manifest order, and runs every sleeve', () => {
    fc.assert(
      fc.property(batch, ({ pool, concurrency, asks, ends }) => {
        const queue = asks.map((ask, id) => ({ id, ask }));
        const running: Array<{ id: number; ask: Resources }> = [];
        const started: number[] = [];
        let step = 0;
        while (queue.length > 0 || running.length > 0) {
          for (;;) {
            const i = nextToStart(
              pool,
              running.map((x) => x.ask),
              queue.map((x) => x.ask),
              concurrency,
            );
            if (i === undefined) break;
            const [s] = queue.splice(i, 1);
            running.push(s as (typeof queue)[number]);
            started.push((s as (typeof queue)[number]).id);
          }
          const cpu = running.reduce((n, x) => n + Math.round(x.ask.cpus * 1000), 0);
          const mem = running.reduce((n, x) => n + x.ask.memoryMiB, 0);
          assert.ok(cpu <= Math.round(pool.cpus * 1000), `cpus over-committed: ${cpu / 1000} of ${pool.cpus}`);
          assert.ok(mem <= pool.memoryMiB, `memory over-committed: ${mem} of ${pool.memoryMiB}`);
          assert.ok(running.length <= concurrency, 'past --concurrency');
          // Nothing idles that could start: the head waits only when it does not fit or the bound is reached.
          if (queue.length > 0 && running.length < concurrency)
            assert.equal(
              fits(
                pool,
                running.map((x) => x.ask),
                (queue[0] as (typeof queue)[number]).ask,
              ),
              false,
            );
          assert.ok(running.length > 0 || queue.length === 0, 'nothing runs and sleeves still wait: a deadlock');
          if (running.length > 0) running.splice((ends[step++ % ends.length] as number) % running.length, 1);
        }
        assert.deepEqual(
          started,
          asks.map((_, i) => i),
          'every sleeve started, in manifest order',
        );
      }),
      { numRuns: 300 },
    );
  });
});
