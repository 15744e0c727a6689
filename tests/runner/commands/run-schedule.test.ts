/**
 * Scheduling by CPUs and memory through the real CLI, with small totals:
 * sleeves that together ask more than the pool never overlap (shown by the
 * timestamps the sleeves write, never by durations), what was granted and
 * how long each waited is in audit.json, and a sleeve that can never fit is
 * refused with exit 2 before anything runs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { auditReportSchema } from '../../../runner/audit/schema.js';
import { suiteTemp, writeTree } from '../../helpers/tmp.js';
import { WAITING_SLEEVE, collect, readOutcome, release, runBin, runMain, show, startBin, track, waitStarted } from '../audit/harness.js';

/** Writes its start, waits a little, writes its end: the times the test compares. */
const STAMPING = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
fs.writeFileSync(path.join(dir, 'start'), String(Date.now()));
await new Promise((r) => setTimeout(r, 300));
fs.writeFileSync(path.join(dir, 'end'), String(Date.now()));
`;

const stamps = (runDir: string) => ({
  start: Number(fs.readFileSync(path.join(runDir, 'start'), 'utf8')),
  end: Number(fs.readFileSync(path.join(runDir, 'end'), 'utf8')),
});

describe('run: scheduling by CPUs and memory', () => {
  const { workspace } = suiteTemp({
    'policies/two-cpus.json': JSON.stringify({ version: 1, name: 'two-cpus', extends: 'strict', resources: { cpus: 2, memoryMiB: 256 } }),
    'policies/big-memory.json': JSON.stringify({ version: 1, name: 'big-memory', extends: 'strict', resources: { cpus: 1, memoryMiB: 600 } }),
    'sleeves/stamp.mjs': STAMPING,
  });

  it('two sleeves asking 2 cpus each with --cpus 2 never overlap, even with --concurrency 2', async () => {
    const ws = workspace();
    const run = await runBin(
      [
        'run',
        '--workspace',
        ws,
        '--policy',
        'policies/two-cpus.json',
        '--sleeve',
        'a=sleeves/stamp.mjs',
        '--sleeve',
        'b=sleeves/stamp.mjs',
        '--cpus',
        '2',
        '--concurrency',
        '2',
        '--json',
      ],
      ws,
    );
    assert.equal(run.code, 0, show(run));
    const o = readOutcome(ws, run);
    const a = stamps(o.runDirs.get('a') as string);
    const b = stamps(o.runDirs.get('b') as string);
    assert.ok(b.start >= a.end, `b started at ${b.start}, before a ended at ${a.end}`);
    const report = auditReportSchema.parse(o.report);
    assert.deepEqual(report.pool, { cpus: 2, memoryMiB: report.pool?.memoryMiB, concurrency: 2 });
    const [ra, rb] = report.sleeves;
    assert.deepEqual([ra?.schedule?.cpus, ra?.schedule?.memoryMiB, rb?.schedule?.cpus, rb?.schedule?.memoryMiB], [2, 256, 2, 256]);
    assert.ok((rb?.schedule?.queueWaitMs ?? 0) > 0, 'b waited in the queue');
  });

  it('memory alone holds a sleeve back: two asking 600 MiB in a 1000 MiB pool run one after the other', async () => {
    const ws = workspace();
    const run = await runBin(
      [
        'run',
        '--workspace',
        ws,
        '--policy',
        'policies/big-memory.json',
        '--sleeve',
        'a=sleeves/stamp.mjs',
        '--sleeve',
        'b=sleeves/stamp.mjs',
        '--cpus',
        '4',
        '--memory-total',
        '1000',
        '--concurrency',
        '2',
        '--json',
      ],
      ws,
    );
    assert.equal(run.code, 0, show(run));
    const o = readOutcome(ws, run);
    const a = stamps(o.runDirs.get('a') as string);
    const b = stamps(o.runDirs.get('b') as string);
    assert.ok(b.start >= a.end, `b started at ${b.start}, before a ended at ${a.end}`);
    assert.deepEqual(o.report.pool, { cpus: 4, memoryMiB: 1000, concurrency: 2 });
  });

  it('runs them side by side when the pool holds both (the control): each waits until both have started', async () => {
    const ws = workspace();
    writeTree(ws, { 'sleeves/wait.mjs': WAITING_SLEEVE });
    const done = collect(
      startBin(
        [
          'run',
          '--workspace',
          ws,
          '--policy',
          'policies/big-memory.json',
          '--sleeve',
          'a=sleeves/wait.mjs',
          '--sleeve',
          'b=sleeves/wait.mjs',
          '--cpus',
          '2',
          '--memory-total',
          '1200',
          '--concurrency',
          '2',
        ],
        ws,
      ),
    );
    const ended = track(done);
    const a = await waitStarted(ws, 'a', ended);
    const b = await waitStarted(ws, 'b', ended);
    release(a);
    release(b);
    const run = await done;
    assert.equal(run.code, 0, show(run));
  });

  it('refuses a sleeve that can never fit with exit 2, naming it, its ask, the totals and the fix; nothing runs', async () => {
    const ws = workspace();
    const run = await runMain(
      ['run', '--workspace', ws, '--policy', 'policies/two-cpus.json', '--sleeve', 'wide=sleeves/stamp.mjs', '--cpus', '1', '--memory-total', '128'],
      ws,
    );
    assert.equal(run.code, 2, show(run));
    assert.match(run.stderr, /--sleeve wide=sleeves\/stamp\.mjs: sleeve wide can never start: it asks for 2 cpus of 1 and 256 MiB of 128 MiB/);
    assert.match(run.stderr, /the pool has 1 cpus from --cpus and 128 MiB from --memory-total/);
    assert.match(run.stderr, /raise --cpus \/ --memory-total, or lower resources\.cpus \/ resources\.memoryMiB in its policy/);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs')), [], 'no run dir');
    assert.equal(fs.existsSync(path.join(ws, 'reports')), false, 'no report');
  });

  it('refuses --cpus 0 and a fractional --memory-total as bad input', async () => {
    const ws = workspace();
    for (const bad of [
      ['--cpus', '0'],
      ['--memory-total', '1.5'],
    ]) {
      const run = await runMain(['run', '--workspace', ws, '--policy', 'strict', '--sleeve', 'a=sleeves/stamp.mjs', ...bad], ws);
      assert.equal(run.code, 2, show(run));
      assert.match(run.stderr, new RegExp(bad[0] as string));
    }
  });
});
