/**
 * The pre-warmed pool through the real bin (runner/batch/pool.ts): at
 * concurrency 1 the next sleeve's sandboxed process is up, and has run none
 * of its code, while the first runs; it starts at "go" and its clock
 * (duration, timeout) starts there too. What it runs under is fixed at its
 * spawn: a policy file edited after, a lakehouse swapped after (the OS
 * layer's mounts), change nothing. An interrupt leaves no warm process
 * behind and the sleeve it held is cancelled, never run. --warm takes a
 * whole number; a bad one is exit 2 with nothing made.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { collect, startBin, runBin, show } from '../../helpers/cli.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import { killSleeves, livingSleeveProcesses } from '../../helpers/procs.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { WAITING_SLEEVE, readOutcome, release, sleep, track, waitFor, waitStarted } from '../audit/harness.js';

/** Says what it sees when its code runs: its process age, its run id, a lakehouse file, the candidates file. */
const PROBE = `import fs from 'node:fs';
import path from 'node:path';
let candidates = 'not tried';
if (process.argv.includes('candidates')) try { candidates = fs.readFileSync('data/lakehouse/portfolio_candidates.json', 'utf8'); } catch (e) { candidates = e.code; }
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'seen.json'), JSON.stringify({
  ageMs: performance.now(),
  runId: process.env.SLEEVE_RUN_ID,
  aapl: fs.readFileSync('data/lakehouse/AAPL.csv', 'utf8'),
  candidates,
}));
`;

/** strict, with a one-second timeout: a clock started at spawn would stop the warm sleeve while it waits. */
const QUICK = JSON.stringify({ version: 1, name: 'quick', extends: 'strict', resources: { timeoutSeconds: 1 } });

function workspace() {
  const ws = makeWorkspace();
  writeTree(ws.dir, { 'sleeves/hold.mjs': WAITING_SLEEVE, 'sleeves/probe.mjs': PROBE, 'policies/quick.json': QUICK });
  return { ...ws, dir: fs.realpathSync(ws.dir) };
}

/** The run dir of the (not yet started) probe: the runner made it when the batch began. */
function probeRunDir(ws: string): string | undefined {
  const id = fs.readdirSync(path.join(ws, 'runs')).find((d) => d.startsWith('probe_'));
  return id === undefined ? undefined : path.join(ws, 'runs', id);
}

describe('run: the pre-warmed pool', () => {
  const made: { dir: string; cleanup: () => void }[] = [];
  after(() => {
    for (const w of made) {
      killSleeves(w.dir);
      w.cleanup();
    }
  });
  const fresh = () => {
    const w = workspace();
    made.push(w);
    return w.dir;
  };

  /**
   * Starts hold then probe at concurrency 1, waits until the probe's process is up (warm) beside hold's,
   * runs `meanwhile`, then lets hold finish.
   */
  async function holdThenProbe(ws: string, extra: string[], meanwhile: (probeDir: string) => void | Promise<void>, args: string[] = []) {
    const manifest = {
      version: 1,
      sleeves: [
        { name: 'hold', entry: 'sleeves/hold.mjs' },
        { name: 'probe', entry: 'sleeves/probe.mjs', policy: 'quick', args },
      ],
    };
    fs.writeFileSync(path.join(ws, 'sleeve-manifest.json'), JSON.stringify(manifest));
    const done = collect(startBin(['run', '--policy', 'strict', '-c', '1', '--warm', '1', '--json', ...extra], ws), 60_000);
    const ended = track(done);
    const holdDir = await waitStarted(ws, 'hold', ended);
    const probeDir = probeRunDir(ws) as string;
    await waitFor('the probe to be warm beside hold', () => livingSleeveProcesses(probeDir).length > 0);
    // Well past the probe's one-second timeout, had its clock started at spawn.
    await sleep(1300);
    assert.ok(!fs.existsSync(path.join(probeDir, 'seen.json')), 'the warm probe ran none of its code before "go"');
    await meanwhile(probeDir);
    release(holdDir);
    const run = await done;
    return { run, probeDir, seen: JSON.parse(fs.readFileSync(path.join(probeDir, 'seen.json'), 'utf8')) as Record<string, unknown> };
  }

  it('sets the next sleeve up while the first runs; it starts at "go", and its timeout counts from there', async () => {
    const ws = fresh();
    const { run, seen } = await holdThenProbe(ws, [], () => {});
    const out = readOutcome(ws, run);
    assert.equal(run.code, 0, show(run));
    const probe = out.report.sleeves.find((s) => s.name === 'probe');
    assert.equal(probe?.status, 'ok', show(run));
    assert.ok(probe?.start, 'a sleeve under the bootstrap reports its start');
    assert.ok(probe.start.warmMs >= 1300, `it waited warm for the whole hold (${probe.start.warmMs} ms)`);
    assert.equal(typeof probe.start.latencyMs, 'number');
    // Its process is older than its run: it was spawned before "go".
    assert.ok((seen.ageMs as number) >= 1300, `process age at sleeve start ${seen.ageMs} ms`);
    assert.ok(probe.durationMs < (seen.ageMs as number), 'its duration counts from "go", not from spawn');
    assert.equal(seen.runId, probe.runId);
    assert.equal(out.report.verdict, 'clean', show(run));
  });

  it('keeps what the warm process was spawned under: a policy edited after spawn changes nothing', async () => {
    const ws = fresh();
    const { run, seen } = await holdThenProbe(
      ws,
      [],
      () => {
        // An attacker with write access to the workspace widens the probe's policy while it waits.
        fs.writeFileSync(
          path.join(ws, 'policies/quick.json'),
          JSON.stringify({ version: 1, name: 'quick', extends: 'strict', fs: { read: { allow: ['data/**'] } } }),
        );
      },
      ['candidates'],
    );
    assert.equal(seen.candidates, 'EACCES', `the candidates fallback stays denied\n${show(run)}`);
    const out = readOutcome(ws, run);
    const probe = out.report.sleeves.find((s) => s.name === 'probe');
    assert.ok(
      probe?.denials.some((d) => d.path.endsWith('portfolio_candidates.json')),
      'the denial is on record',
    );
  });

  it('keeps the OS layer mounts of its spawn: a lakehouse swapped after is not the one it sees', { skip: needsOsLayer }, async () => {
    const ws = fresh();
    const { run, seen } = await holdThenProbe(ws, ['--os-layer', 'required'], () => {
      fs.renameSync(path.join(ws, 'data/lakehouse'), path.join(ws, 'data/lakehouse.old'));
      // The same path, other bytes: a path-based layer would read these; the mount holds the lakehouse of its spawn.
      writeTree(ws, { 'data/lakehouse/AAPL.csv': 'INJECTED\n' });
    });
    assert.equal(seen.aapl, 'date,close\n2024-01-02,185.6\n', show(run));
    const probe = readOutcome(ws, run).report.sleeves.find((s) => s.name === 'probe');
    assert.deepEqual(probe?.layers.slice(0, 1), ['os']);
  });

  it('an interrupt discards the warm process: the sleeve it held is cancelled, none of its code ran, nothing is left', async () => {
    const ws = fresh();
    const manifest = {
      version: 1,
      sleeves: [
        { name: 'hold', entry: 'sleeves/hold.mjs' },
        { name: 'probe', entry: 'sleeves/probe.mjs' },
      ],
    };
    fs.writeFileSync(path.join(ws, 'sleeve-manifest.json'), JSON.stringify(manifest));
    const child = startBin(['run', '--policy', 'strict', '-c', '1', '--warm', '1', '--json'], ws);
    const done = collect(child, 60_000);
    await waitStarted(ws, 'hold', track(done));
    const probeDir = probeRunDir(ws) as string;
    await waitFor('the probe to be warm', () => livingSleeveProcesses(probeDir).length > 0);
    child.kill('SIGINT');
    const run = await done;
    const out = readOutcome(ws, run);
    const probe = out.report.sleeves.find((s) => s.name === 'probe');
    assert.equal(probe?.status, 'cancelled', show(run));
    assert.equal(probe?.start, undefined);
    assert.ok(!fs.existsSync(path.join(probeDir, 'seen.json')), 'the warm sleeve never ran');
    assert.deepEqual(livingSleeveProcesses(ws), [], 'no warm process outlives the runner');
  });

  it('--warm 0 spawns each sleeve at its turn; a bad --warm is exit 2 and nothing is made', async () => {
    const ws = fresh();
    const manifest = {
      version: 1,
      sleeves: [
        { name: 'a', entry: 'sleeves/probe.mjs' },
        { name: 'b', entry: 'sleeves/probe.mjs' },
      ],
    };
    fs.writeFileSync(path.join(ws, 'sleeve-manifest.json'), JSON.stringify(manifest));
    const run = await runBin(['run', '--policy', 'strict', '-c', '1', '--warm', '0', '--json'], ws);
    assert.equal(run.code, 0, show(run));
    for (const s of readOutcome(ws, run).report.sleeves) {
      assert.ok(s.start && s.start.warmMs < 1000, `${s.name} was spawned at its turn (${s.start?.warmMs} ms)`);
      const seen = JSON.parse(fs.readFileSync(path.join(s.runDir, 'seen.json'), 'utf8')) as { ageMs: number };
      assert.ok(seen.ageMs >= (s.start?.latencyMs ?? 0) - 50, 'its process age covers its start');
    }
    for (const bad of ['-1', '1.5', 'two', '']) {
      const before = fs.readdirSync(path.join(ws, 'runs')).length;
      const r = await runBin(['run', '--policy', 'strict', '--warm', bad], ws);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, /--warm to be a whole number >= 0/);
      assert.equal(fs.readdirSync(path.join(ws, 'runs')).length, before, 'no run dir was made');
    }
  });
});
