/**
 * The bootstrap's V8 code cache (runner/batch/bootstrap-cache.ts): made once
 * per bundle in the runner's private cache directory, from exactly the source
 * the sleeve's loader compiles (V8 accepts it); never taken when planted by
 * another uid or writable by others; none under coverage or when disabled.
 * Through the real bin: sleeves run from it, and a sleeve that knows its path
 * can neither write nor replace it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import vm from 'node:vm';
import { bootstrapCache } from '../../../runner/batch/bootstrap-cache.js';
import { BOOTSTRAP } from '../../../runner/batch/execute.js';
import { childEnv, collect, show, startBin } from '../../helpers/cli.js';
import { makeTempDir, makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { readOutcome } from '../audit/harness.js';

const { wrap } = createRequire(BOOTSTRAP)('./bootstrap-run.cjs') as { wrap: (s: string) => string };

describe('the bootstrap code cache', () => {
  const tmp = makeTempDir('sleeve-bcache-');
  after(tmp.cleanup);
  const envFor = (name: string) => ({ XDG_CACHE_HOME: path.join(tmp.dir, name) });

  it('is made once, 0644 in a 0700 directory, and V8 accepts it for the bundle the loader compiles', () => {
    const env = envFor('a');
    const file = bootstrapCache(BOOTSTRAP, env);
    assert.ok(file, 'a cache was made');
    assert.equal(path.dirname(file), path.join(env.XDG_CACHE_HOME, 'sleeve-sandbox', 'bootstrap-cache'));
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    const made = fs.statSync(file).mtimeMs;
    assert.equal(bootstrapCache(BOOTSTRAP, env), file, 'the same file the second time');
    assert.equal(fs.statSync(file).mtimeMs, made, 'not rewritten');
    const script = new vm.Script(wrap(fs.readFileSync(BOOTSTRAP, 'utf8')), { filename: BOOTSTRAP, cachedData: fs.readFileSync(file) });
    assert.equal(script.cachedDataRejected, false);
  });

  it('names the cache by content: another bundle gets another file', () => {
    const env = envFor('b');
    const other = path.join(tmp.dir, 'other.bundle.cjs');
    fs.writeFileSync(other, `${fs.readFileSync(BOOTSTRAP, 'utf8')}\n// changed\n`);
    fs.copyFileSync(path.join(path.dirname(BOOTSTRAP), 'bootstrap-run.cjs'), path.join(tmp.dir, 'bootstrap-run.cjs'));
    const a = bootstrapCache(BOOTSTRAP, env);
    const b = bootstrapCache(other, env);
    assert.ok(a && b);
    assert.notEqual(a, b);
  });

  it('is never taken when planted by another uid or writable by others, nor made under coverage or when disabled', () => {
    const env = envFor('c');
    const file = bootstrapCache(BOOTSTRAP, env) as string;
    fs.chmodSync(file, 0o666);
    assert.equal(bootstrapCache(BOOTSTRAP, env), undefined, 'writable by others');
    fs.chmodSync(file, 0o644);
    if (process.getuid?.() === 0) {
      fs.chownSync(file, 4242, 4242);
      assert.equal(bootstrapCache(BOOTSTRAP, env), undefined, 'another uid');
    }
    assert.equal(bootstrapCache(BOOTSTRAP, { ...envFor('d'), NODE_V8_COVERAGE: '/tmp/cov' }), undefined);
    assert.equal(bootstrapCache(BOOTSTRAP, { ...envFor('d'), NODE_DISABLE_COMPILE_CACHE: '1' }), undefined);
    assert.ok(
      !fs.existsSync(path.join(tmp.dir, 'd', 'sleeve-sandbox', 'bootstrap-cache')) ||
        fs.readdirSync(path.join(tmp.dir, 'd', 'sleeve-sandbox', 'bootstrap-cache')).length === 0,
    );
  });

  it('through the bin: sleeves start from it, and one that knows its path cannot write or replace it', async () => {
    const ws = makeWorkspace();
    try {
      const dir = fs.realpathSync(ws.dir);
      const env = { ...childEnv(envFor('bin')) };
      delete env.NODE_V8_COVERAGE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const file = bootstrapCache(BOOTSTRAP, env) as string;
      const before = fs.readFileSync(file);
      writeTree(dir, {
        'sleeves/poison.mjs': `import fs from 'node:fs';
const target = ${JSON.stringify(file)};
const tries = {};
for (const [name, fn] of Object.entries({
  write: () => fs.writeFileSync(target, 'poison'),
  append: () => fs.appendFileSync(target, 'poison'),
  rename: () => fs.renameSync(target, target + '.x'),
  unlink: () => fs.unlinkSync(target),
})) { try { fn(); tries[name] = 'done'; } catch (e) { tries[name] = e.code; } }
fs.writeFileSync(process.env.SLEEVE_RUN_DIR + '/tries.json', JSON.stringify(tries));
`,
      });
      // Node hands the suite's NODE_V8_COVERAGE to every child whatever its env says: the shell drops it.
      const run = await collect(
        startBin(['run', '--policy', 'strict', '--json', '-s', 'p=sleeves/poison.mjs'], dir, env, { shellPrefix: 'unset NODE_V8_COVERAGE' }),
      );
      const p = readOutcome(dir, run).report.sleeves[0];
      assert.ok(p, show(run));
      const tries = JSON.parse(fs.readFileSync(path.join(p.runDir, 'tries.json'), 'utf8')) as Record<string, string>;
      for (const [name, got] of Object.entries(tries)) assert.notEqual(got, 'done', `${name} of the code cache\n${show(run)}`);
      assert.deepEqual(fs.readFileSync(file), before, 'the cache is untouched');
      assert.equal(p.status, 'ok');
      // Inside the OS layer (CI has it), the one file is bound read-only into the sandbox: the sleeve read it.
      const mounts = path.join(p.runDir, 'logs', 'os-layer.json');
      if (fs.existsSync(mounts)) assert.ok(fs.readFileSync(mounts, 'utf8').includes(file), 'the cache is bound into the sandbox');
    } finally {
      ws.cleanup();
    }
  });
});
