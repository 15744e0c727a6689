import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NODE_PERMISSION_SURFACES, type NodeRefusal, isNodeRefusal, reportNodeRefusals, surfaceFor } from '../../sandbox/node-permission.js';

const refusal = () =>
  Object.assign(new Error('Access to this API has been restricted'), { code: 'ERR_ACCESS_DENIED', permission: 'ChildProcess', resource: '' });

describe("reporting Node's own permission refusals", () => {
  it('lists child processes, workers, WASI, the inspector and process.dlopen/execve', () => {
    const modules = NODE_PERMISSION_SURFACES.map((s) => s.module);
    for (const m of ['child_process', 'worker_threads', 'wasi', 'inspector', 'process']) assert.ok(modules.includes(m), m);
    assert.equal(surfaceFor('nope'), undefined);
  });
  it('reports a refusal from a function, a class and a prototype method, then rethrows the same error', () => {
    const thrown = refusal();
    class Worker {
      constructor(ok: boolean) {
        if (!ok) throw thrown;
      }
    }
    class ChildProcess {
      spawn() {
        throw thrown;
      }
    }
    const mod: Record<string, unknown> = {
      spawn: () => {
        throw thrown;
      },
      fine: () => 1,
      Worker,
      ChildProcess,
    };
    const seen: NodeRefusal[] = [];
    reportNodeRefusals(mod, { module: 'm', op: 'child_process', fns: ['spawn', 'fine'], classes: ['Worker'], protos: { ChildProcess: ['spawn'] } }, (r) =>
      seen.push(r),
    );
    assert.throws(
      () => (mod.spawn as () => void)(),
      (e) => e === thrown,
    );
    assert.throws(
      () => new (mod.Worker as typeof Worker)(false),
      (e) => e === thrown,
    );
    const w = new (mod.Worker as typeof Worker)(true);
    assert.ok(w instanceof (mod.Worker as typeof Worker) && w instanceof Worker);
    assert.throws(
      () => new ChildProcess().spawn(),
      (e) => e === thrown,
    );
    assert.equal((mod.fine as () => number)(), 1);
    assert.deepEqual(
      seen.map((r) => [r.op, r.api, r.permission]),
      [
        ['child_process', 'm.spawn', 'ChildProcess'],
        ['child_process', 'new m.Worker', 'ChildProcess'],
        ['child_process', 'm.ChildProcess.spawn', 'ChildProcess'],
      ],
    );
    assert.throws(() => {
      mod.spawn = () => 0;
    }, TypeError);
  });
  it('leaves other errors unreported and non-configurable properties alone', () => {
    const mod: Record<string, unknown> = {};
    Object.defineProperty(mod, 'spawn', { value: () => 'refused by the capability guard', writable: false, configurable: false });
    mod.other = () => {
      throw new Error('ENOENT');
    };
    const seen: NodeRefusal[] = [];
    reportNodeRefusals(mod, { module: 'm', op: 'x', fns: ['spawn', 'other'] }, (r) => seen.push(r));
    assert.equal((mod.spawn as () => string)(), 'refused by the capability guard');
    assert.throws(() => (mod.other as () => void)());
    assert.deepEqual(seen, []);
    assert.equal(isNodeRefusal(null), false);
    assert.equal(isNodeRefusal({ code: 'ERR_DLOPEN_DISABLED' }), true);
  });
});
