/**
 * The guard's state cannot be steered, shown on the guard alone (no Node
 * permission flags: each layer must hold by itself): races on descriptor
 * numbers and on symlinks made by a second async chain, and what mkdtemp
 * reports. The same attacks through the whole sandbox are in
 * tests/escapes/attacks/guard-state/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DenyMessage } from '../../sandbox/protocol.js';
import { type GuardedRun, runGuarded } from '../helpers/guarded.js';
import { makeWorkspace } from '../helpers/tmp.js';

describe('the guard alone keeps no state a sleeve can steer', () => {
  let ws: { dir: string; cleanup: () => void };
  let run: GuardedRun;
  let out: Record<string, unknown>;
  let lakeBefore: fs.Stats;
  let lakeText: string;
  const runId = 'gs';
  before(async () => {
    ws = makeWorkspace();
    lakeBefore = fs.statSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'));
    lakeText = fs.readFileSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), 'utf8');
    run = await runGuarded({
      workspace: ws.dir,
      runId,
      source: `
import fs from 'node:fs';
import path from 'node:path';
const run = process.env.SLEEVE_RUN_DIR;
const lake = path.resolve('data/lakehouse/AAPL.csv');
const out = { race: [], fdRaceWon: 0, staleWon: 0, staleTried: 0, made: [] };
// 1. a callback open for writing whose number is closed and reopened read-only on the lakehouse before its callback
fs.writeFileSync(run + '/mine.txt', 'mine\\n');
for (let i = 0; i < 30; i++) {
  const next = fs.openSync(run + '/mine.txt', 'r');
  fs.closeSync(next);
  const opened = new Promise((resolve) => fs.open(run + '/mine.txt', 'a', (e, fd) => resolve(e ? -1 : fd)));
  let open = false;
  for (let s = 0; s < 200000 && !open; s++) { try { fs.fstatSync(next); open = true; } catch {} }
  fs.closeSync(next);
  const ro = fs.openSync(lake, 'r');
  const fd = await opened;
  if (fd !== ro) { fs.closeSync(ro); continue; }
  out.fdRaceWon++;
  try { fs.fchmodSync(ro, 0o777); out.race.push('fchmod ok'); } catch (e) { out.race.push(e.code); }
  try { fs.futimesSync(ro, 0, 0); out.race.push('futimes ok'); } catch (e) { out.race.push(e.code); }
  fs.closeSync(ro);
}
// 2. a symlink to the lakehouse made by a second async chain while its name is being decided
for (let i = 0; i < 30; i++) {
  const link = run + '/late-' + i + '.csv';
  const pending = fs.promises.symlink(lake, link);
  try { fs.utimesSync(link, new Date(), new Date()); } catch {}
  let there = false;
  for (let s = 0; s < 200000 && !there; s++) { try { fs.lstatSync(link); there = true; } catch {} }
  if (there) out.staleTried++;
  try { fs.writeFileSync(link, 'poisoned\\n'); if (there) out.staleWon++; } catch {}
  await pending.catch(() => {});
}
// 3. mkdtemp in every form reports the directory it made
out.made.push(fs.mkdtempSync(run + '/s-'));
out.made.push(await new Promise((r, j) => fs.mkdtemp(run + '/c-', (e, d) => (e ? j(e) : r(d)))));
out.made.push(await fs.promises.mkdtemp('runs/${runId}/p-'));
process.stdout.write(JSON.stringify(out));
`,
      env: { SLEEVE_RUN_DIR: path.join(ws.dir, 'runs', runId) },
    });
    assert.ok(run.stdout, `the sleeve printed nothing: ${run.stderr}`);
    out = JSON.parse(run.stdout) as Record<string, unknown>;
  });
  after(() => ws.cleanup());

  it('refuses fchmod and futimes through a reused descriptor number, whoever wins the race', () => {
    assert.equal(run.code, 0, run.stderr);
    const race = out.race as string[];
    for (const r of race) assert.equal(r, 'EACCES');
    const after_ = fs.statSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'));
    assert.equal(after_.mode, lakeBefore.mode);
    assert.equal(after_.mtimeMs, lakeBefore.mtimeMs);
  });
  it('never writes through a symlink that appeared after its name was decided', () => {
    assert.equal(out.staleWon, 0);
    assert.ok((out.staleTried as number) > 0, 'the symlink never appeared: the race was not run');
    assert.equal(fs.readFileSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), 'utf8'), lakeText);
  });
  it('reports the directory mkdtemp made, not its template, in the sync, callback and promise forms', () => {
    const writes = run.messages.flatMap((m) => (m.t === 'writes' ? m.paths : []));
    const made = (out.made as string[]).map((d) => path.resolve(ws.dir, d));
    assert.equal(made.length, 3);
    for (const d of made) {
      assert.ok(fs.statSync(d).isDirectory(), d);
      assert.ok(writes.includes(d), `${d} not in ${JSON.stringify(writes.filter((w) => w.includes('-')))}`);
    }
    assert.ok(!writes.some((w) => w.endsWith('XXXXXX')), 'a template was reported');
  });
  it('reports the refusals on the channel', () => {
    const denies = run.messages.filter((m): m is DenyMessage => m.t === 'deny');
    assert.ok(denies.length > 0);
  });
});
