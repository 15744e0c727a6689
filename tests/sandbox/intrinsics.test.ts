import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createStatReader, kindOfMode } from '../../sandbox/intrinsics.js';

describe('file facts from checked Stats objects', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-facts-'));
  fs.writeFileSync(path.join(dir, 'f'), 'x');
  fs.linkSync(path.join(dir, 'f'), path.join(dir, 'h'));
  fs.symlinkSync('f', path.join(dir, 'l'));
  const reader = createStatReader({ lstatSync: fs.lstatSync, statSync: fs.statSync, fstatSync: fs.fstatSync } as never, fs.Stats);

  it('reads kind and link count from the mode bits, whatever the Stats methods say', () => {
    const orig = fs.Stats.prototype.isFile;
    fs.Stats.prototype.isFile = () => false;
    try {
      assert.deepEqual([reader.lstat(path.join(dir, 'f'))?.kind, reader.lstat(path.join(dir, 'f'))?.nlink], ['file', 2]);
      assert.equal(reader.lstat(path.join(dir, 'l'))?.kind, 'symlink');
      assert.equal(reader.lstat(path.join(dir, 'l'), true)?.kind, 'file');
      assert.equal(reader.lstat(dir)?.kind, 'dir');
      assert.equal(reader.lstat(path.join(dir, 'none')), undefined);
    } finally {
      fs.Stats.prototype.isFile = orig;
    }
  });
  for (const [where, target] of [
    ['Stats.prototype', fs.Stats.prototype],
    ['Object.prototype', Object.prototype],
  ] as const) {
    it(`fails closed when an accessor for nlink sits on ${where}`, () => {
      Object.defineProperty(target, 'nlink', {
        configurable: true,
        get: () => 1,
        set(this: object) {
          Object.defineProperty(this, 'nlink', { value: 1, enumerable: true });
        },
      });
      try {
        assert.throws(() => reader.lstat(path.join(dir, 'f')), { code: 'EUNTRUSTED' });
        const fd = fs.openSync(path.join(dir, 'f'), 'r');
        assert.equal(reader.fstat(fd), undefined);
        fs.closeSync(fd);
      } finally {
        delete (target as { nlink?: unknown }).nlink;
      }
      assert.equal(reader.lstat(path.join(dir, 'f'))?.nlink, 2);
    });
  }
  it('fails closed when the Stats prototype chain holds a Proxy', () => {
    const proto = Object.getPrototypeOf(fs.Stats.prototype);
    Object.setPrototypeOf(fs.Stats.prototype, new Proxy(proto, {}));
    try {
      assert.throws(() => reader.lstat(path.join(dir, 'f')), { code: 'EUNTRUSTED' });
    } finally {
      Object.setPrototypeOf(fs.Stats.prototype, proto);
    }
  });
  it('names kinds from mode bits', () => {
    assert.deepEqual([kindOfMode(0o100644), kindOfMode(0o40755), kindOfMode(0o120777), kindOfMode(0o10644)], ['file', 'dir', 'symlink', 'other']);
  });
});
