/**
 * The guard's memory of allowed reads (sandbox/fs-guard.ts checkPath). The attack on it: read a spelling once (allowed, remembered),
 * then make the same spelling lead somewhere denied and read again: here
 * `d/../portfolio_candidates.json`, first the run's own file, then, with d a
 * link into the lakehouse (a target the sleeve may read), the shared fallback.
 * Every way the sleeve itself can do that is a write (rename, rmdir, symlink),
 * and any write forgets what was remembered: the second read is decided afresh
 * and refused. The variant that defeats the memory is another process
 * swapping a lakehouse file for a link while the sleeve waits; inside the OS
 * layer the link leads to nothing mounted, so the secret still does not leak
 * (README, Known limits, for a run without the OS layer).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { show } from '../helpers/cli.js';
import { swapWhileRunning } from '../helpers/external-swap.js';
import { runGuarded, strictPolicy } from '../helpers/guarded.js';
import { needsOsLayer } from '../helpers/os-layer.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

const OWN = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
const out = {};
// The run's own candidates file, spelled through a directory d and "..": allowed, and remembered.
fs.mkdirSync(path.join(dir, 'd'));
fs.writeFileSync(path.join(dir, 'portfolio_candidates.json'), 'own list');
const spelled = path.join(dir, 'd') + '/../portfolio_candidates.json';
out.first = read(spelled);
// d becomes a link into the lakehouse (a target the sleeve may read): the same spelling now climbs
// from data/lakehouse/ohlcv to the shared fallback, which strict denies.
fs.renameSync(path.join(dir, 'd'), path.join(dir, 'd.old'));
fs.symlinkSync(path.resolve('data/lakehouse/ohlcv'), path.join(dir, 'd'));
out.afterLink = read(spelled);
// The same with a relative spelling from another cwd, and a directory made in between.
process.chdir(dir);
fs.mkdirSync('e');
out.relFirst = read('e/../portfolio_candidates.json');
fs.rmdirSync('e');
fs.symlinkSync(path.resolve(process.env.SLEEVE_WORKSPACE, 'data/lakehouse/ohlcv'), 'e');
out.relAfterLink = read('e/../portfolio_candidates.json');
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify(out));
`;

/**
 * The variant that defeated the memory, and before it the guard itself: a link made on the threadpool.
 * fs.promises.symlink (or fs.symlink) is decided at the call and used to run later, beside the sleeve's
 * next synchronous read of a path through the link's name: remembered while the name was absent and
 * still trusted once the link was there, or decided just before the link landed and opened just after.
 * Before the fix, 8 to 10 of 40 tries read the shared fallback.
 */
const THREADPOOL = (form: 'promise' | 'callback') => `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
const ohlcv = path.resolve('data/lakehouse/ohlcv');
const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
fs.writeFileSync(path.join(dir, 'portfolio_candidates.json'), 'own list');
const reads = [];
for (let i = 0; i < 40; i++) {
  const d = path.join(dir, 'd' + i);
  const spelled = d + '/../portfolio_candidates.json';
  const linked = ${form === 'promise' ? 'fs.promises.symlink(ohlcv, d)' : 'new Promise((resolve, reject) => fs.symlink(ohlcv, d, (e) => (e ? reject(e) : resolve())))'};
  reads.push(read(spelled));
  await linked;
  reads.push(read(spelled));
}
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify(reads));
`;

/** A child process (the policy allows them) changes the tree beside the guard: nothing is remembered then. */
const CHILD = `import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
const dir = process.env.SLEEVE_RUN_DIR;
const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
fs.mkdirSync(path.join(dir, 'd'));
fs.writeFileSync(path.join(dir, 'portfolio_candidates.json'), 'own list');
const spelled = path.join(dir, 'd') + '/../portfolio_candidates.json';
const first = read(spelled);
execFileSync('/bin/sh', ['-c', 'mv "$1/d" "$1/d.old" && ln -s "$2" "$1/d"', 'sh', dir, path.resolve('data/lakehouse/ohlcv')]);
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ first, second: read(spelled) }));
`;

const EXTERNAL = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
const first = read('data/lakehouse/AAPL.csv');
fs.writeFileSync(path.join(dir, 'ready'), '');
const deadline = Date.now() + 20000;
while (!fs.existsSync(path.join(dir, 'swapped')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ first, second: read('data/lakehouse/AAPL.csv') }));
`;

describe('run: the memory of allowed reads', () => {
  const ws = makeWorkspace();
  after(ws.cleanup);
  const dir = fs.realpathSync(ws.dir);
  writeTree(dir, { 'sleeves/external.mjs': EXTERNAL });

  // The guard alone (no Node permission flags, which refuse symlink() to a sleeve outright): each layer holds by itself.
  it("forgets at the sleeve's own writes: a spelling it read, made to climb into the denied fallback through a link, is refused", async () => {
    const runId = 'own';
    const runDir = path.join(dir, 'runs', runId);
    const run = await runGuarded({ workspace: dir, runId, source: OWN, env: { SLEEVE_RUN_DIR: runDir, SLEEVE_WORKSPACE: dir } });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as Record<string, string>;
    assert.equal(out.first, 'own list', run.stderr);
    assert.equal(out.relFirst, 'own list');
    assert.equal(out.afterLink, 'EACCES', `the shared fallback was read through a remembered decision: ${JSON.stringify(out)}`);
    assert.equal(out.relAfterLink, 'EACCES', JSON.stringify(out));
  });

  for (const form of ['promise', 'callback'] as const) {
    it(`a link made by fs.${form === 'promise' ? 'promises.symlink' : 'symlink'} while a read through its name is decided: never the fallback`, async () => {
      const runId = `pool-${form}`;
      const runDir = path.join(dir, 'runs', runId);
      const run = await runGuarded({ workspace: dir, runId, source: THREADPOOL(form), env: { SLEEVE_RUN_DIR: runDir } });
      assert.equal(run.code, 0, run.stderr);
      const reads = JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as string[];
      assert.equal(reads.length, 80);
      const fallback = fs.readFileSync(path.join(dir, 'data/lakehouse/portfolio_candidates.json'), 'utf8');
      const leaked = reads.filter((r) => r === fallback).length;
      assert.equal(leaked, 0, `${leaked} of 80 reads returned the shared fallback`);
      // Every read after the link is there is refused by the guard (the kernel would follow it).
      for (let i = 1; i < reads.length; i += 2) assert.equal(reads[i], 'EACCES', JSON.stringify(reads));
    });
  }

  it('remembers nothing when the policy allows child processes: a child re-pointing a name it read is seen', async () => {
    const runId = 'child';
    const runDir = path.join(dir, 'runs', runId);
    const base = strictPolicy(dir);
    const policy = { ...base, process: { ...base.process, childProcess: true } };
    const run = await runGuarded({ workspace: dir, runId, source: CHILD, policy, builtins: [], env: { SLEEVE_RUN_DIR: runDir, PATH: '/usr/bin:/bin' } });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as Record<string, string>;
    assert.equal(out.first, 'own list', run.stderr);
    assert.equal(out.second, 'EACCES', `the shared fallback was read through a remembered decision: ${JSON.stringify(out)}`);
  });

  it('another process swapping a lakehouse file for a link: inside the OS layer the link leads to nothing', { skip: needsOsLayer }, async () => {
    const aapl = path.join(dir, 'data/lakehouse/AAPL.csv');
    const { run, out } = await swapWhileRunning(dir, aapl, path.join(dir, 'secrets/token.txt'));
    assert.match(out.first ?? '', /^date,close/, show(run));
    assert.notEqual(out.second, 's3cr3t\n', 'the secret leaked through the swapped link');
  });
});
