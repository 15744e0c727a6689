import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { FS_TABLE, entryWrites, pathIndexes } from '../../sandbox/fs-table.js';

describe('the fs table', () => {
  it('names only functions this Node has in at least one form', () => {
    const mod = fs as unknown as Record<string, unknown>;
    const promises = fs.promises as unknown as Record<string, unknown>;
    const missing = Object.keys(FS_TABLE).filter(
      (n) => typeof mod[n] !== 'function' && typeof mod[`${n}Sync`] !== 'function' && typeof promises[n] !== 'function',
    );
    // glob (22+), lchmod (macOS only), openAsBlob (20.16+), statfs (18.15+), mkdtempDisposable (24+) may be absent here.
    assert.deepEqual(
      missing.filter((n) => !['glob', 'lchmod', 'openAsBlob', 'mkdtempDisposable'].includes(n)),
      [],
    );
  });
  it('covers every function of fs that names a path and writes', () => {
    for (const n of [
      'writeFile',
      'appendFile',
      'truncate',
      'chmod',
      'chown',
      'utimes',
      'lutimes',
      'mkdir',
      'rm',
      'rmdir',
      'unlink',
      'copyFile',
      'rename',
      'link',
      'symlink',
      'mkdtemp',
      'mkdtempDisposable',
      'write',
      'writev',
      'ftruncate',
      'fchmod',
      'fchown',
      'futimes',
    ]) {
      const e = FS_TABLE[n];
      assert.ok(e && entryWrites(e), n);
    }
    for (const n of ['readFile', 'stat', 'lstat', 'readdir', 'access', 'realpath', 'open']) assert.equal(entryWrites(FS_TABLE[n] as never), false, n);
  });
  it('leaves no function of this Node unclassified: each is in the table, handled beside it, or names no path', () => {
    // A function a new Node line adds (Node 24's mkdtempDisposableSync made directories past the guard) fails here.
    const besideTheTable = ['close', 'exists', 'createReadStream', 'createWriteStream', 'cp'];
    // Descriptors only (reads, syncs), classes (their streams open through the guarded fs.open), a watcher's removal.
    const noPath = [
      'fstat',
      'fsync',
      'fdatasync',
      'read',
      'readv',
      'unwatchFile',
      'Dirent',
      'Stats',
      'Dir',
      'ReadStream',
      'WriteStream',
      'FileReadStream',
      'FileWriteStream',
      'Utf8Stream',
      '_toUnixTimestamp',
    ];
    const known = (name: string) => {
      const base = name.endsWith('Sync') ? name.slice(0, -'Sync'.length) : name;
      return FS_TABLE[base] !== undefined || besideTheTable.includes(base) || noPath.includes(base);
    };
    const fns = (o: object) => Object.keys(o).filter((k) => typeof (o as Record<string, unknown>)[k] === 'function');
    assert.deepEqual(
      fns(fs).filter((n) => !known(n)),
      [],
      'fs functions the guard does not know',
    );
    assert.deepEqual(
      fns(fs.promises).filter((n) => !known(n)),
      [],
      'fs.promises functions the guard does not know',
    );
  });
  it('marks the path arguments the snapshot makes absolute', () => {
    assert.deepEqual(pathIndexes(FS_TABLE.copyFile as never), [0, 1]);
    assert.deepEqual(pathIndexes(FS_TABLE.symlink as never), [1]);
    assert.deepEqual(pathIndexes(FS_TABLE.write as never), []);
  });
});
