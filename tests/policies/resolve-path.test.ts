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

/**
 * The path's directory `sub` appears while it is resolved (an asynchronous mkdir on the threadpool): lstat
 * already sees it, realpath does not for its first `flaps` calls. The shortcut from the parent gives up on
 * the failing realpath and the walk meets the race.
 */
const RACED = '/ws/runs/a/sub/big.bin';
function racingSys(flaps: number): { sys: Sys; calls: () => number } {
  let realpaths = 0;
  const enoent = () => Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  const sys: Sys = {
    cwd: () => '/ws',
    realpath(p) {
      if (p === RACED || p === '/ws/runs/a/sub') {
        realpaths++;
        if (realpaths <= flaps) throw enoent();
        return p;
      }
      if (p === '/' || p === '/ws' || p === '/ws/runs' || p === '/ws/runs/a') return p;
      throw enoent();
    },
    lstat: (p) => (p === RACED ? 'file' : p.startsWith('/ws') ? 'dir' : undefined),
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
    assert.deepEqual(resolveReal(sys, RACED), { ok: true, real: RACED });
  });
  it('denies a path that keeps changing, after a bounded number of tries', () => {
    const { sys, calls } = racingSys(Number.POSITIVE_INFINITY);
    const r = resolveReal(sys, RACED);
    assert.equal(r.ok, false);
    assert.match((r as { problem: string }).problem, /changed while it was being resolved/);
    // Three realpaths a try (the shortcut's parent, the whole path, the parent in the walk), 41 tries.
    assert.ok(calls() <= 3 * 41, `${calls()} realpaths`);
  });
});

/** A small tree with links: dirs, files and symlinks by absolute path; realpath and lstat as the kernel answers them. */
function treeSys(tree: Record<string, 'dir' | 'file' | { link: string }>): { sys: Sys; realpaths: string[] } {
  const realpaths: string[] = [];
  const error = (code: string) => Object.assign(new Error(code), { code });
  const walk = (p: string, followLast: boolean): string => {
    const parts = p.split('/').filter((s) => s && s !== '.');
    let current = '/';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (current !== '/' && tree[current] !== 'dir') throw error('ENOTDIR');
      if (part === '..') {
        current = current === '/' ? '/' : current.slice(0, current.lastIndexOf('/')) || '/';
        continue;
      }
      const next = current === '/' ? `/${part}` : `${current}/${part}`;
      const entry = tree[next];
      if (entry === undefined) throw error('ENOENT');
      if (typeof entry === 'object' && (followLast || i < parts.length - 1)) current = walk(entry.link, true);
      else current = next;
    }
    return current;
  };
  const sys: Sys = {
    cwd: () => '/ws',
    realpath(p) {
      realpaths.push(p);
      return walk(p, true);
    },
    lstat(p) {
      try {
        const at = walk(p, false);
        const entry = at === '/' ? 'dir' : tree[at];
        return typeof entry === 'object' ? 'symlink' : entry;
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'ENOTDIR') return undefined;
        throw e;
      }
    },
    readlink: (p) => {
      const entry = tree[walk(p, false)];
      if (typeof entry !== 'object') throw error('EINVAL');
      return entry.link;
    },
    readdir: () => [],
    readFile: () => '',
    sizeOf: () => undefined,
    caseInsensitive: false,
  };
  return { sys, realpaths };
}

describe('a new name in an existing directory (the usual create)', () => {
  const tree = {
    '/ws': 'dir',
    '/ws/runs': 'dir',
    '/ws/runs/a': 'dir',
    '/ws/runs/a/f.txt': 'file',
    '/ws/runs/a/via': { link: '/ws/runs' },
    '/ws/runs/a/dangling': { link: '/ws/lake/new.csv' },
    '/ws/lake': 'dir',
  } as const;
  it('is resolved from its parent, marked absent, with no realpath of the whole path (whose failure is an exception)', () => {
    const { sys, realpaths } = treeSys(tree);
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/new.csv'), { ok: true, real: '/ws/runs/a/new.csv', absent: true });
    assert.deepEqual(realpaths, ['/ws/runs/a']);
    // Through a link in the parent: the parent's real path.
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/via/new.csv'), { ok: true, real: '/ws/runs/new.csv', absent: true });
  });
  it('resolves a name that is there and no link from its parent too (not absent); a dangling link takes the walk (followed to where a create lands)', () => {
    const { sys, realpaths } = treeSys(tree);
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/f.txt'), { ok: true, real: '/ws/runs/a/f.txt' });
    assert.deepEqual(realpaths, ['/ws/runs/a']);
    // An existing directory through a link in the parent: the parent's real path, then the name.
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/via/a'), { ok: true, real: '/ws/runs/a' });
    // A link as the last name is never taken from the parent: followed, as the kernel does.
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/via'), { ok: true, real: '/ws/runs' });
    // The link's target is a new name in an existing directory: absent, decided there.
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/dangling'), { ok: true, real: '/ws/lake/new.csv', absent: true });
  });
  it('takes the walk for a path through a file, which refuses it, and for "..", which it folds only where nothing exists', () => {
    const { sys } = treeSys(tree);
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/f.txt/x'), { ok: false, problem: 'cannot be resolved (ENOTDIR)', code: 'ENOTDIR' });
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/via/..'), { ok: true, real: '/ws' });
    assert.deepEqual(resolveReal(sys, '/ws/runs/a/nope/..'), { ok: true, real: '/ws/runs/a' });
  });
});
