/**
 * The guard's memory of directories (sandbox/resolution-memory.ts): in-process,
 * what it remembers and when it answers; then the attacks on it in real
 * sleeve processes under the JS guard alone. The attack: make a directory
 * the guard has learned is real lead somewhere else, then write or read
 * through it. Every way the sleeve itself can do that changes a name, and
 * every change of names forgets the memory (by the sync, promise and
 * callback forms, rm and rmdir). The variants that defeat it are the
 * processes the guard does not see: a child process (the memory is off
 * when the policy allows them), and another process swapping a lakehouse
 * directory, which the OS layer contains.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createResolutionMemory } from '../../sandbox/resolution-memory.js';
import { show } from '../helpers/cli.js';
import { swapWhileRunning } from '../helpers/external-swap.js';
import { runGuarded, strictPolicy } from '../helpers/guarded.js';
import { needsOsLayer } from '../helpers/os-layer.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

describe('resolution memory, in-process', () => {
  const RUN = '/ws/runs/r1';
  const counting = () => {
    const asked: string[] = [];
    return {
      asked,
      resolve: (p: string) => {
        asked.push(p);
        return p.endsWith('/via') ? '/ws/runs/r1/target' : p;
      },
      look: (p: string) => {
        asked.push(p);
        return p.endsWith('.csv') ? ('file' as const) : ('dir' as const);
      },
    };
  };

  it('answers a write decision inside the run dir from what it learned, and asks again after forget()', () => {
    const m = createResolutionMemory(RUN);
    const c = counting();
    assert.equal(m.realpath(`${RUN}/out`, c.resolve), `${RUN}/out`);
    assert.equal(m.kind(`${RUN}/out`, c.look), 'dir');
    assert.equal(m.realpath(`${RUN}/out`, c.resolve), `${RUN}/out`);
    assert.equal(m.kind(`${RUN}/out`, c.look), 'dir');
    assert.deepEqual(c.asked, [`${RUN}/out`, `${RUN}/out`]);
    m.forget();
    m.realpath(`${RUN}/out`, c.resolve);
    m.kind(`${RUN}/out`, c.look);
    assert.equal(c.asked.length, 4);
  });

  it('remembers only a path that is its own real path, and only that a path is a directory', () => {
    const m = createResolutionMemory(RUN);
    const c = counting();
    assert.equal(m.realpath(`${RUN}/via`, c.resolve), `${RUN}/target`);
    assert.equal(m.realpath(`${RUN}/via`, c.resolve), `${RUN}/target`);
    assert.equal(m.kind(`${RUN}/a.csv`, c.look), 'file');
    assert.equal(m.kind(`${RUN}/a.csv`, c.look), 'file');
    assert.equal(c.asked.length, 4, 'a link and a file are asked every time');
  });

  it('answers a write decision outside the run dir, or in a sibling sharing its prefix, afresh; a read decision from memory', () => {
    const m = createResolutionMemory(RUN);
    const c = counting();
    for (const p of ['/ws/data/lakehouse', '/ws/runs/r1x', '/ws/runs']) {
      m.reading(true);
      m.realpath(p, c.resolve);
      m.kind(p, c.look);
      m.reading(false);
    }
    const learned = c.asked.length;
    for (const p of ['/ws/data/lakehouse', '/ws/runs/r1x', '/ws/runs']) {
      m.realpath(p, c.resolve);
      m.kind(p, c.look);
    }
    assert.equal(c.asked.length, learned + 6, 'a write decision asked each again');
    m.reading(true);
    for (const p of ['/ws/data/lakehouse', '/ws/runs/r1x', '/ws/runs']) {
      m.realpath(p, c.resolve);
      m.kind(p, c.look);
    }
    m.reading(false);
    assert.equal(c.asked.length, learned + 6, 'a read decision asked nothing');
  });

  it('starts over past its bound instead of growing', () => {
    const m = createResolutionMemory(RUN);
    const c = counting();
    for (let i = 0; i < 20_001; i++) m.realpath(`${RUN}/d${i}`, c.resolve);
    const before = c.asked.length;
    m.realpath(`${RUN}/d0`, c.resolve);
    assert.equal(c.asked.length, before + 1, 'the first entry was dropped when the memory started over');
  });
});

/** Each way the sleeve can re-point a directory it wrote into: then a write and a read through it. */
const SWAPS = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
const lake = path.resolve('data/lakehouse');
const tryWrite = (p) => { try { fs.writeFileSync(p, 'planted'); return 'written'; } catch (e) { return e.code; } };
const tryRead = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
const swaps = {
  renameSync: (d) => { fs.renameSync(d, d + '.old'); fs.symlinkSync(lake, d); },
  rmSync: (d) => { fs.rmSync(d, { recursive: true }); fs.symlinkSync(lake, d); },
  rmdirSync: (d) => { for (const f of ['deep/a.csv', 'a.csv']) fs.unlinkSync(path.join(d, f)); fs.rmdirSync(path.join(d, 'deep')); fs.rmdirSync(d); fs.symlinkSync(lake, d); },
  promises: async (d) => { await fs.promises.rename(d, d + '.old'); await fs.promises.symlink(lake, d); },
  callbacks: (d) => new Promise((resolve, reject) => fs.rename(d, d + '.old', (e) => (e ? reject(e) : fs.symlink(lake, d, (e2) => (e2 ? reject(e2) : resolve()))))),
  cpSync: (d) => { fs.mkdirSync(d + '.src'); fs.symlinkSync(lake, d + '.src/deep'); fs.rmSync(path.join(d, 'deep'), { recursive: true }); fs.cpSync(d + '.src', d, { recursive: true, verbatimSymlinks: true }); },
};
const out = {};
for (const [how, swap] of Object.entries(swaps)) {
  const d = path.join(dir, how);
  fs.mkdirSync(path.join(d, 'deep'), { recursive: true });
  // Learned: d and d/deep are real directories (a create in each, a read of each).
  fs.writeFileSync(path.join(d, 'a.csv'), 'own');
  fs.writeFileSync(path.join(d, 'deep', 'a.csv'), 'own');
  const first = tryRead(path.join(d, 'a.csv'));
  await swap(d);
  const through = how === 'cpSync' ? path.join(d, 'deep') : d;
  out[how] = { first, write: tryWrite(path.join(through, 'planted.csv')), read: tryRead(path.join(through, 'portfolio_candidates.json')) };
}
// Relative spellings, from the run dir.
process.chdir(dir);
fs.mkdirSync('rel');
fs.writeFileSync('rel/a.csv', 'own');
fs.renameSync('rel', 'rel.old');
fs.symlinkSync(lake, 'rel');
out.relative = { first: 'own', write: tryWrite('rel/planted.csv'), read: tryRead('rel/portfolio_candidates.json') };
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify(out));
`;

/** The same swap made by a child process the policy allows, beside the guard. */
const CHILD = `import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
const dir = process.env.SLEEVE_RUN_DIR;
const tryWrite = (p) => { try { fs.writeFileSync(p, 'planted'); return 'written'; } catch (e) { return e.code; } };
const tryRead = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
const d = path.join(dir, 'd');
fs.mkdirSync(d);
fs.writeFileSync(path.join(d, 'a.csv'), 'own');
const first = tryRead(path.join(d, 'a.csv'));
execFileSync('/bin/sh', ['-c', 'mv "$1" "$1.old" && ln -s "$2" "$1"', 'sh', d, path.resolve('data/lakehouse')]);
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ first, write: tryWrite(path.join(d, 'planted.csv')), read: tryRead(path.join(d, 'portfolio_candidates.json')) }));
`;

/** Reads a lakehouse directory once, waits for another process to swap it for a link to secrets/, reads through it. */
const EXTERNAL = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
const read = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
const first = read('data/lakehouse/ohlcv/AAPL.csv');
fs.writeFileSync(path.join(dir, 'ready'), '');
const deadline = Date.now() + 20000;
while (!fs.existsSync(path.join(dir, 'swapped')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ first, second: read('data/lakehouse/ohlcv/token.txt') }));
`;

describe('run: the memory of directories', () => {
  const ws = makeWorkspace();
  after(ws.cleanup);
  const dir = fs.realpathSync(ws.dir);
  writeTree(dir, { 'sleeves/external.mjs': EXTERNAL, 'data/lakehouse/ohlcv/AAPL.csv': 'date,close\n' });
  const fallback = fs.readFileSync(path.join(dir, 'data/lakehouse/portfolio_candidates.json'), 'utf8');

  it("forgets at each of the sleeve's own changes of names: no write lands in the lakehouse, no read reaches the fallback", async () => {
    const runId = 'swaps';
    const runDir = path.join(dir, 'runs', runId);
    const run = await runGuarded({ workspace: dir, runId, source: SWAPS, env: { SLEEVE_RUN_DIR: runDir } });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(out), ['renameSync', 'rmSync', 'rmdirSync', 'promises', 'callbacks', 'cpSync', 'relative']);
    for (const [how, r] of Object.entries(out)) {
      assert.equal(r.first, 'own', `${how}: ${run.stderr}`);
      assert.equal(r.write, 'EACCES', `${how}: a write through a remembered directory: ${JSON.stringify(r)}`);
      assert.equal(r.read, 'EACCES', `${how}: a read through a remembered directory: ${JSON.stringify(r)}`);
      assert.notEqual(r.read, fallback);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'data/lakehouse/planted.csv')), 'a file was planted in the lakehouse');
  });

  it('remembers nothing when the policy allows child processes: a child re-pointing a directory is seen', async () => {
    const runId = 'child';
    const runDir = path.join(dir, 'runs', runId);
    const base = strictPolicy(dir);
    const policy = { ...base, process: { ...base.process, childProcess: true } };
    const run = await runGuarded({ workspace: dir, runId, source: CHILD, policy, builtins: [], env: { SLEEVE_RUN_DIR: runDir, PATH: '/usr/bin:/bin' } });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as Record<string, string>;
    assert.equal(out.first, 'own', run.stderr);
    assert.equal(out.write, 'EACCES', JSON.stringify(out));
    assert.equal(out.read, 'EACCES', JSON.stringify(out));
    assert.ok(!fs.existsSync(path.join(dir, 'data/lakehouse/planted.csv')));
  });

  it('another process swapping a lakehouse directory for a link: inside the OS layer the link leads to nothing', { skip: needsOsLayer }, async () => {
    const ohlcv = path.join(dir, 'data/lakehouse/ohlcv');
    const { run, out } = await swapWhileRunning(dir, ohlcv, path.join(dir, 'secrets'));
    assert.match(out.first ?? '', /^date,close/, show(run));
    assert.notEqual(out.second, fs.readFileSync(path.join(dir, 'secrets/token.txt'), 'utf8'), 'the secret leaked through the swapped directory');
  });
});
