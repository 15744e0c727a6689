/**
 * Path resolution racing a create (policies/resolve-path.ts): a file that
 * appears between the realpath and the lstat (an asynchronous write on the
 * threadpool creating it) is resolved again, not denied; a path that keeps
 * changing is denied after a bounded number of tries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveReal } from '../../policies/resolve-path.js';
import type { Sys } from '../../policies/sys.js';

function racingSys(flaps: number): { sys: Sys; calls: () => number } {
  let realpaths = 0;
  const enoent = () => Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  const sys: Sys = {
    cwd: () => '/ws',
    realpath(p) {
      if (p === '/ws/runs/a/big.bin') {
        realpaths++;
        if (realpaths <= flaps) throw enoent();
        return p;
      }
      if (p === '/' || p === '/ws' || p === '/ws/runs' || p === '/ws/runs/a') return p;
      throw enoent();
    },
    lstat: (p) => (p === '/ws/runs/a/big.bin' ? 'file' : p.startsWith('/ws') ? 'dir' : undefined),
    readlink: () => {
      throw new Error('no links here');
    },
    readdir: () => [],
    readFile: () => '',
    sizeOf: () => undefined,
    caseInsensitive: false,
  };
  return { sys, calls: () => realpaths };
}

describe('resolving a path that appears while it is resolved', () => {
  it('resolves it again instead of denying it', () => {
    const { sys } = racingSys(1);
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/big.bin'), { ok: true, real: '/ws/runs/a/big.bin' });
  });
  it('denies a path that keeps changing, after a bounded number of tries', () => {
    const { sys, calls } = racingSys(Number.POSITIVE_INFINITY);
    const r = resolveReal(sys, '/ws/runs/a/big.bin');
    assert.equal(r.ok, false);
    assert.match((r as { problem: string }).problem, /changed while it was being resolved/);
    assert.ok(calls() <= 41, `${calls()} tries`);
  });
});
