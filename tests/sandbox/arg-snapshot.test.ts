import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isDate } from 'node:util/types';
import { snapshotArgs } from '../../sandbox/arg-snapshot.js';

const env = { cwd: () => '/ws', isHandle: (x: unknown) => x === HANDLE };
const HANDLE = { fd: 3 };

describe('snapshotArgs', () => {
  it('passes plain absolute calls through as they are', () => {
    const args = ['/a', 'utf8'];
    const s = snapshotArgs(args, [0], [], env);
    assert.equal(s.call, args);
  });
  it('makes relative paths absolute against the cwd of the decision, keeping the spelling for messages', () => {
    const s = snapshotArgs(['runs/x/a.txt', 'b'], [0, 1], [], env);
    assert.deepEqual(s.shown, ['runs/x/a.txt', 'b']);
    assert.deepEqual(s.call, ['/ws/runs/x/a.txt', '/ws/b']);
  });
  it('turns Buffer and URL paths into one string, and copies option objects once', () => {
    let reads = 0;
    const options = {
      get flag() {
        reads++;
        return reads === 1 ? 'r' : 'w';
      },
    };
    const s = snapshotArgs([Buffer.from('/ws/a'), options], [0], [], env);
    assert.equal(s.call[0], '/ws/a');
    assert.equal((s.call[1] as { flag: string }).flag, 'r');
    assert.equal((s.call[1] as { flag: string }).flag, 'r');
    assert.equal(reads, 1);
    assert.equal(snapshotArgs([pathToFileURL('/ws/u')], [0], [], env).call[0], '/ws/u');
  });
  it('converts text arguments without making them absolute, and leaves FileHandles alone', () => {
    const s = snapshotArgs([Buffer.from('rel/target'), 'link', HANDLE], [1], [0], env);
    assert.equal(s.call[0], 'rel/target');
    assert.equal(s.call[1], '/ws/link');
    assert.equal(s.call[2], HANDLE);
  });
  it("keeps an array an array (writev's buffers), its elements read once", () => {
    const a = Buffer.from('a');
    const b = Buffer.from('b');
    const buffers = [a, b];
    const s = snapshotArgs([7, buffers, null], [], [], env);
    assert.ok(Array.isArray(s.call[1]));
    assert.notEqual(s.call[1], buffers, 'a copy: a later change to the caller array cannot reach the call');
    assert.deepEqual(s.call[1], [a, b]);
    let reads = 0;
    const tricky = new Proxy([a], {
      get(target, key, receiver) {
        if (key === '0') reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const t = snapshotArgs([7, tricky], [], [], env);
    assert.deepEqual(t.call[1], [a]);
    assert.equal(reads, 1);
  });
  it("keeps a Date a Date of the same time (utimes' times)", () => {
    const when = new Date(5000);
    const s = snapshotArgs(['/ws/a', when, 7], [0], [], env);
    assert.ok(isDate(s.call[1]), 'Node takes a time from a Date by its internal slot');
    assert.notEqual(s.call[1], when, 'a copy: a later setTime cannot reach the call');
    assert.equal(Date.prototype.getTime.call(s.call[1]), 5000);
  });
  it('passes the `keep` arguments as they are (writeFile data: a stream, an async iterable)', () => {
    const data = (async function* () {
      yield 'a';
    })();
    const options = { flag: 'w' };
    const s = snapshotArgs(['rel/a', data, options], [0], [], env, [1]);
    assert.equal(s.call[1], data);
    assert.notEqual(s.call[2], options, 'other objects are still copied');
    assert.equal((s.call[2] as { flag: string }).flag, 'w');
  });
  it('pins an option a decision reads that the copy only inherits: a getter planted on Object.prototype is read once', () => {
    let reads = 0;
    Object.defineProperty(Object.prototype, 'flag', {
      configurable: true,
      get() {
        reads++;
        return reads === 1 ? 'r' : 'w';
      },
    });
    try {
      for (const options of [{}, new Date(0)]) {
        reads = 0;
        const s = snapshotArgs(['/ws/a', options], [0], [], env);
        const copy = s.call[1] as { flag?: unknown };
        assert.equal(copy.flag, 'r');
        assert.equal(copy.flag, 'r', 'the guard and Node read the one value');
        assert.ok(Object.hasOwn(copy, 'flag'));
        assert.equal(reads, 1);
      }
    } finally {
      delete (Object.prototype as { flag?: unknown }).flag;
    }
    // Without such a getter nothing is added (error messages show the copy as the caller's object).
    assert.deepEqual(Object.keys(snapshotArgs(['/ws/a', { encoding: 'utf8' }], [0], [], env).call[1] as object), ['encoding']);
  });
  it('never consults an index accessor planted on Array.prototype, at any arity (relative paths take the copy)', () => {
    for (let n = 1; n <= 8; n++) {
      // Not an array: pushing onto one would itself reach the planted setters.
      let consulted = '';
      for (let i = 0; i < 8; i++) {
        Object.defineProperty(Array.prototype, String(i), {
          configurable: true,
          get() {
            consulted += `get ${i} `;
            return '/etc/shadow';
          },
          set() {
            consulted += `set ${i} `;
          },
        });
      }
      try {
        const args = Array.from({ length: n }, (_, i) => `runs/x/${i}.txt`);
        const s = snapshotArgs(args, [0], [], env);
        assert.equal(s.shown[0], 'runs/x/0.txt');
        assert.equal(s.call[0], '/ws/runs/x/0.txt');
        assert.equal(s.call.length, n);
        for (let i = 0; i < n; i++) assert.ok(Object.hasOwn(s.call, i) && Object.hasOwn(s.shown, i), `element ${i} of ${n} is own`);
        assert.equal(consulted, '', `arity ${n}`);
      } finally {
        for (let i = 0; i < 8; i++) delete (Array.prototype as unknown as Record<string, unknown>)[String(i)];
      }
    }
  });
});
