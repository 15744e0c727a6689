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
import { collect, show, startBin } from '../helpers/cli.js';
import { runGuarded } from '../helpers/guarded.js';
import { needsOsLayer } from '../helpers/os-layer.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';
import { track, waitFor } from '../runner/audit/harness.js';

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

  it('another process swapping a lakehouse file for a link: inside the OS layer the link leads to nothing', { skip: needsOsLayer }, async () => {
    const done = collect(startBin(['run', '--policy', 'strict', '--os-layer', 'required', '--json', '-s', 'ext=sleeves/external.mjs'], dir), 60_000);
    const ended = track(done);
    let runDir = '';
    await waitFor('the sleeve to read once', () => {
      if (ended()) assert.fail(show(ended() as never));
      const id = fs.readdirSync(path.join(dir, 'runs')).find((d) => d.startsWith('ext_') && fs.existsSync(path.join(dir, 'runs', d, 'ready')));
      if (id) runDir = path.join(dir, 'runs', id);
      return id !== undefined;
    });
    const aapl = path.join(dir, 'data/lakehouse/AAPL.csv');
    fs.renameSync(aapl, `${aapl}.orig`);
    fs.symlinkSync(path.join(dir, 'secrets/token.txt'), aapl);
    fs.writeFileSync(path.join(runDir, 'swapped'), '');
    const run = await done;
    fs.rmSync(aapl);
    fs.renameSync(`${aapl}.orig`, aapl);
    const out = JSON.parse(fs.readFileSync(path.join(runDir, 'out.json'), 'utf8')) as Record<string, string>;
    assert.match(out.first ?? '', /^date,close/, show(run));
    assert.notEqual(out.second, 's3cr3t\n', 'the secret leaked through the swapped link');
  });
});
