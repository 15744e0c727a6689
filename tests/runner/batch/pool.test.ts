/**
 * The pre-warmed pool's rules (runner/batch/pool.ts), in process: which
 * queued sleeves are kept warm, and how many by default.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultWarm, warmSet } from '../../../runner/batch/pool.js';

describe('the pre-warmed pool', () => {
  it('keeps the head of the queue warm, skipping what cannot wait for "go", up to the depth', () => {
    const q = ['a', 'cmd', 'b', 'c', 'd'];
    const canWarm = (s: string) => s !== 'cmd';
    assert.deepEqual(warmSet(q, canWarm, 2), ['a', 'b']);
    assert.deepEqual(warmSet(q, canWarm, 10), ['a', 'b', 'c', 'd']);
    assert.deepEqual(warmSet(q, canWarm, 0), []);
    assert.deepEqual(warmSet([], canWarm, 3), []);
  });

  it('warms by default on the cores the running sleeves leave idle, never a negative count', () => {
    assert.equal(defaultWarm(2, 1), 1);
    assert.equal(defaultWarm(2, 2), 0);
    assert.equal(defaultWarm(2, 8), 0);
    assert.equal(defaultWarm(16, 4), 12);
    assert.equal(defaultWarm(1, 1), 0);
  });
});
