/**
 * The runner SIGKILLed while its sleeves spin in busy loops: no sleeve may
 * outlive it, whatever it is doing. A busy loop never lets a timer inside the
 * sleeve fire, so only the kernel can end it: bubblewrap's --die-with-parent
 * inside the OS layer (the pid namespace dies with it), a parent-death signal
 * set before exec (setpriv --pdeathsig) without it. Each case asserts that
 * every sleeve process is gone within a second of the kill, and that the
 * early report (verdict running) is what it leaves behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { needsOsLayer } from '../helpers/os-layer.js';
import { killSleeves, livingSleeveProcesses, waitForNoSleeves } from '../helpers/procs.js';
import { collect, manifest, startBin, workspace } from './harness.js';

const SPIN_JS = "import fs from 'node:fs';\nfs.writeFileSync(process.env.SLEEVE_RUN_DIR + '/started', 'yes');\nfor (;;) {}\n";
const SPIN_PY = "import os\nopen(os.environ['SLEEVE_RUN_DIR'] + '/started', 'w').write('yes')\nwhile True:\n    pass\n";

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups.reverse()) c();
});

async function killRunnerWhileSpinning(
  osLayer: 'off' | 'required',
  steps: Array<Record<string, unknown>>,
): Promise<{ ws: string; seen: number[]; left: number[]; goneAfterMs: number }> {
  const ws = workspace(cleanups, { 'sleeves/spin.mjs': SPIN_JS, 'sleeves/py/spin.py': SPIN_PY, 'manifest.json': manifest(steps) });
  cleanups.push(() => killSleeves(ws));
  const child = startBin(
    ['run', '--policy', 'strict', '--manifest', 'manifest.json', '--os-layer', osLayer, '--concurrency', String(steps.length), '--cpus', String(steps.length)],
    ws,
  );
  const done = collect(child, Date.now(), 60_000);
  const started = steps.map((s) => path.join(ws, 'runs', s.runId as string, 'started'));
  for (let i = 0; i < 400 && !started.every((f) => fs.existsSync(f)); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(
    started.every((f) => fs.existsSync(f)),
    'the sleeves started spinning',
  );
  const seen = livingSleeveProcesses(ws);
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await done;
  const left = await waitForNoSleeves(ws, 1000);
  return { ws, seen, left, goneAfterMs: Date.now() - killedAt };
}

describe('the runner SIGKILLed while sleeves spin', () => {
  it('inside the OS layer: a Node and a Python sleeve die within a second', { skip: needsOsLayer }, async () => {
    const r = await killRunnerWhileSpinning('required', [
      { name: 'node', entry: 'sleeves/spin.mjs', runId: 'spin-node' },
      { name: 'python', command: ['python3', 'sleeves/py/spin.py'], runId: 'spin-py' },
    ]);
    assert.ok(r.seen.length >= 2, `the spinning sleeves were seen: ${JSON.stringify(r.seen)}`);
    assert.deepEqual(r.left, [], `sleeve processes outlived the runner by more than a second: ${JSON.stringify(r.left)}`);
    assert.ok(r.goneAfterMs < 1500, `${r.goneAfterMs} ms`);
  });

  it('without the OS layer: the parent-death signal ends a spinning Node sleeve within a second', async () => {
    const r = await killRunnerWhileSpinning('off', [{ name: 'node', entry: 'sleeves/spin.mjs', runId: 'spin-node' }]);
    assert.ok(r.seen.length >= 1, 'the spinning sleeve was seen');
    assert.deepEqual(r.left, [], `the sleeve outlived the runner by more than a second: ${JSON.stringify(r.left)}`);
    // What it leaves behind says so: the early report, verdict running, which audit verify does not pass.
    const [batch] = fs.readdirSync(path.join(r.ws, 'reports'));
    const file = path.join(r.ws, 'reports', batch as string, 'audit.json');
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as { verdict: string; exitCode: number | null };
    assert.equal(report.verdict, 'running');
    assert.equal(report.exitCode, null);
    const verify = await collect(startBin(['audit', 'verify', file], r.ws), Date.now(), 30_000);
    assert.equal(verify.status, 4, verify.stderr);
  });
});
