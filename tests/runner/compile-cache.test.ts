/**
 * The runner's compile cache (runner/compile-cache.ts): the directory is
 * used only when it is a real directory of this uid that nobody else can
 * write (a planted cache entry would be code the runner runs); never under
 * coverage or NODE_DISABLE_COMPILE_CACHE; and through the real bin, the cache
 * fills where Node has it (>= 22.1) and stays empty where it does not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { compileCacheDir, privateDir } from '../../runner/compile-cache.js';
import { childEnv, collect, show, startBin } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('the runner compile cache', () => {
  const tmp = makeTempDir('sleeve-ccache-');
  after(tmp.cleanup);

  it('lives under XDG_CACHE_HOME (else ~/.cache), and not at all under coverage or when disabled', () => {
    assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u'), '/x/cache/sleeve-sandbox/compile-cache');
    assert.equal(compileCacheDir({}, '/home/u'), '/home/u/.cache/sleeve-sandbox/compile-cache');
    assert.equal(compileCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u'), '/home/u/.cache/sleeve-sandbox/compile-cache');
    assert.equal(compileCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' }, '/home/u'), undefined);
    assert.equal(compileCacheDir({ NODE_V8_COVERAGE: '/tmp/cov' }, '/home/u'), undefined);
  });

  it('makes the directory 0700 and takes it', () => {
    const dir = path.join(tmp.dir, 'fresh', 'cc');
    assert.equal(privateDir(dir), dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  });

  it('refuses a directory others can write, a symlink, another uid, or a file', () => {
    const open = path.join(tmp.dir, 'open');
    fs.mkdirSync(open, { mode: 0o700 });
    fs.chmodSync(open, 0o777);
    assert.equal(privateDir(open), undefined, 'world-writable');
    fs.chmodSync(open, 0o770);
    assert.equal(privateDir(open), undefined, 'group-writable');
    const real = path.join(tmp.dir, 'real');
    fs.mkdirSync(real, { mode: 0o700 });
    const link = path.join(tmp.dir, 'link');
    fs.symlinkSync(real, link);
    assert.equal(privateDir(link), undefined, 'a symlink');
    assert.equal(privateDir(real, (process.getuid?.() ?? 0) + 1), undefined, 'owned by another uid');
    const file = path.join(tmp.dir, 'file');
    fs.writeFileSync(file, 'x');
    assert.equal(privateDir(file), undefined, 'a file');
  });

  it('through the bin: the cache fills where Node has it, in the private directory only', async () => {
    const cache = path.join(tmp.dir, 'xdg');
    const env = { ...childEnv({ XDG_CACHE_HOME: cache }) };
    delete env.NODE_V8_COVERAGE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    // Node hands a parent's NODE_V8_COVERAGE (the suite's c8) to every child whatever its env says: the shell drops it.
    const run = await collect(startBin(['policy', 'explain', 'strict'], tmp.dir, env, { shellPrefix: 'unset NODE_V8_COVERAGE' }));
    assert.equal(run.code, 0, show(run));
    const dir = path.join(cache, 'sleeve-sandbox', 'compile-cache');
    const has = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    const files = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).length : 0;
    if (has) {
      assert.ok(files > 0, `node ${process.version} has a compile cache: ${dir} should hold it`);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    } else assert.equal(files, 0, `node ${process.version} has no compile cache`);
  });
});
