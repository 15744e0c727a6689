import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CpIo, normalizeCpOptions, runCpAsync, runCpSync } from '../../sandbox/cp-plan.js';
import type { StatKind } from '../../sandbox/intrinsics.js';

/** A fake tree: path -> kind (and a link target); every call is logged. */
function fakeIo(tree: Record<string, StatKind | `link:${string}`>) {
  const log: string[] = [];
  const kindOf = (p: string): StatKind | undefined => {
    const v = tree[p];
    return v === undefined ? undefined : v.startsWith('link:') ? 'symlink' : (v as StatKind);
  };
  const io: CpIo = {
    kind: (p) => {
      log.push(`read ${p}`);
      const k = kindOf(p);
      return k && { kind: k, mode: k === 'dir' ? 0o40755 : 0o100644 };
    },
    destKind: (p) => {
      log.push(`decide-write ${p}`);
      return kindOf(p);
    },
    readdir: (p) =>
      Object.keys(tree)
        .filter((k) => k.startsWith(`${p}/`) && !k.slice(p.length + 1).includes('/'))
        .map((k) => k.slice(p.length + 1)),
    readlink: (p) => (tree[p] as string).slice(5),
    mkdir: (p) => void log.push(`mkdir ${p}`),
    chmod: (p, m) => void log.push(`chmod ${p} ${m.toString(8)}`),
    copyFile: (s, d) => void log.push(`copy ${s} ${d}`),
    symlink: (t, p) => void log.push(`symlink ${t} ${p}`),
    unlink: (p) => void log.push(`unlink ${p}`),
    copyTimes: (s, d) => void log.push(`times ${s} ${d}`),
  };
  return { io, log };
}

describe('cp as a walk of guarded calls', () => {
  const tree = { '/s': 'dir', '/s/a': 'file', '/s/sub': 'dir', '/s/sub/b': 'file', '/s/l': 'link:a' } as const;
  it('copies a tree entry by entry, each through an io call', () => {
    const { io, log } = fakeIo({ ...tree });
    runCpSync('/s', '/d', normalizeCpOptions({ recursive: true }), io);
    assert.deepEqual(
      log.filter((l) => !l.startsWith('read') && !l.startsWith('decide')),
      ['mkdir /d', 'copy /s/a /d/a', 'mkdir /d/sub', 'copy /s/sub/b /d/sub/b', 'chmod /d/sub 755', 'symlink /s/a /d/l', 'chmod /d 755'],
    );
  });
  it('asks the filter for every entry, the top one included, and skips what it refuses', () => {
    const { io, log } = fakeIo({ ...tree });
    const asked: string[] = [];
    runCpSync(
      '/s',
      '/d',
      normalizeCpOptions({
        recursive: true,
        filter: (s: string) => {
          asked.push(s);
          return s !== '/s/sub';
        },
      }),
      io,
    );
    assert.deepEqual(asked, ['/s', '/s/a', '/s/sub', '/s/l']);
    assert.ok(!log.some((l) => l.includes('/s/sub/b')));
  });
  it('refuses an async filter in cpSync and awaits it in the async form', async () => {
    const { io } = fakeIo({ ...tree });
    assert.throws(() => runCpSync('/s', '/d', normalizeCpOptions({ recursive: true, filter: async () => true }), io), TypeError);
    const second = fakeIo({ ...tree });
    await runCpAsync('/s', '/d', normalizeCpOptions({ recursive: true, filter: async (s: string) => s !== '/s/a' }), second.io);
    assert.ok(!second.log.some((l) => l.startsWith('copy /s/a')));
    assert.ok(second.log.includes('copy /s/sub/b /d/sub/b'));
  });
  it('follows Node on errors and existing destinations', () => {
    const { io } = fakeIo({ '/s': 'dir', '/f': 'file', '/e': 'file', '/dd': 'dir' });
    const code = (f: () => void) => {
      try {
        f();
        return 'none';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    assert.equal(
      code(() => runCpSync('/s', '/x', normalizeCpOptions({}), io)),
      'ERR_FS_EISDIR',
    );
    assert.equal(
      code(() => runCpSync('/s', '/s/in', normalizeCpOptions({ recursive: true }), io)),
      'ERR_FS_CP_EINVAL',
    );
    assert.equal(
      code(() => runCpSync('/f', '/f', normalizeCpOptions({}), io)),
      'ERR_FS_CP_EINVAL',
    );
    assert.equal(
      code(() => runCpSync('/f', '/dd', normalizeCpOptions({}), io)),
      'ERR_FS_CP_NON_DIR_TO_DIR',
    );
    assert.equal(
      code(() => runCpSync('/s', '/f', normalizeCpOptions({ recursive: true }), io)),
      'ERR_FS_CP_DIR_TO_NON_DIR',
    );
    assert.equal(
      code(() => runCpSync('/f', '/e', normalizeCpOptions({ force: false, errorOnExist: true }), io)),
      'ERR_FS_CP_EEXIST',
    );
    assert.equal(
      code(() => runCpSync('/nope', '/e2', normalizeCpOptions({}), io)),
      'ENOENT',
    );
    const forced = fakeIo({ '/f': 'file', '/e': 'file' });
    runCpSync('/f', '/e', normalizeCpOptions({ preserveTimestamps: true }), forced.io);
    assert.deepEqual(forced.log.slice(-3), ['unlink /e', 'copy /f /e', 'times /f /e']);
  });
  it('reads the options once, with Node defaults', () => {
    let reads = 0;
    const o = normalizeCpOptions({
      get force() {
        reads++;
        return false;
      },
    });
    assert.equal(o.force, false);
    assert.equal(reads, 1);
    assert.equal(normalizeCpOptions(undefined).force, true);
  });
});
