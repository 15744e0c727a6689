/**
 * SIGTERM to the runner in the middle of a batch (what a CI job cancel or
 * `docker stop` sends): it stops the running sleeves, marks the queued one
 * cancelled, writes the summary and the report, and exits, leaving no sleeve
 * process behind. A sleeve that already finished keeps its "ok"; a sleeve
 * that tidies up on SIGTERM (writes a file in its run dir, then exits 0) is
 * still "interrupted", and its last write is not a violation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  FINE_SLEEVE,
  PID_PRELUDE,
  type Run,
  type Summary,
  assertNoOrphans,
  assertNoTempLeftovers,
  assertUnaffected,
  assertValidReport,
  collect,
  killLeftovers,
  lines,
  manifest,
  parseSummary,
  show,
  sleeveOf,
  startBin,
  strictRunArgs,
  workspace,
} from './harness.js';

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('SIGTERM to the runner mid-batch', () => {
  const cleanups: Array<() => void> = [];
  let ws = '';
  let run: Run;
  let summary: Summary;
  let exitAfterSignalMs = 0;

  before(async () => {
    ws = workspace(cleanups, {
      'sleeves/fine.mjs': FINE_SLEEVE,
      'sleeves/long.mjs': lines(...PID_PRELUDE, "fs.writeFileSync(path.join(runDir, 'started'), 'yes');", 'setInterval(() => {}, 1000);'),
      'sleeves/tidy.mjs': lines(
        ...PID_PRELUDE,
        "process.on('SIGTERM', () => {",
        "  fs.writeFileSync(path.join(runDir, 'tidied.json'), JSON.stringify({ at: Date.now() }));",
        '  process.exit(0);',
        '});',
        "fs.writeFileSync(path.join(runDir, 'started'), 'yes');",
        'setInterval(() => {}, 1000);',
      ),
      // Concurrency 2: quick and long start; quick finishes and tidy takes its slot;
      // waiting stays queued, as long and tidy never end on their own.
      'manifest.json': manifest([
        { name: 'quick', entry: 'sleeves/fine.mjs', runId: 'quick' },
        { name: 'long', entry: 'sleeves/long.mjs', runId: 'long' },
        { name: 'tidy', entry: 'sleeves/tidy.mjs', runId: 'tidy' },
        { name: 'waiting', entry: 'sleeves/long.mjs', runId: 'waiting' },
      ]),
    });
    const started = Date.now();
    const child = startBin(strictRunArgs(ws, ['--manifest', 'manifest.json', '--concurrency', '2']), ws);
    const done = collect(child, started, 30_000);
    const has = (id: string, file: string) => fs.existsSync(path.join(ws, 'runs', id, file));
    try {
      await waitFor('long and tidy to start (tidy only starts once quick ended)', () => has('long', 'started') && has('tidy', 'started'), 20_000);
    } catch (error) {
      child.kill('SIGKILL');
      await done;
      killLeftovers(ws);
      throw error;
    }
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    run = await done;
    exitAfterSignalMs = Date.now() - signalledAt;
    try {
      summary = parseSummary(run);
    } finally {
      killLeftovers(ws);
    }
  });
  after(() => {
    for (const c of cleanups) c();
  });

  it('exits promptly with exit 1 and a summary that says SIGTERM', () => {
    assert.equal(run.signal, null, `the runner died of the signal instead of handling it\n${show(run)}`);
    assert.equal(run.status, 1, show(run));
    assert.ok(exitAfterSignalMs < 8_000, `the runner took ${exitAfterSignalMs} ms after SIGTERM`);
    assert.equal(summary.interrupted, 'SIGTERM');
    assert.equal(summary.exitCode, 1);
    assert.equal(summary.verdict, 'failed');
    assert.match(run.stderr, /interrupted by SIGTERM;.*exit 1\n/);
  });

  it('marks the running sleeves "interrupted", even the one that exits 0 on SIGTERM', () => {
    const long = sleeveOf(summary, 'long');
    assert.equal(long.status, 'interrupted');
    assert.equal(long.signal, 'SIGTERM');
    const tidy = sleeveOf(summary, 'tidy');
    assert.equal(tidy.status, 'interrupted');
    assert.equal(tidy.exitCode, 0);
    assert.ok(fs.existsSync(path.join(tidy.runDir, 'tidied.json')), 'the SIGTERM handler of the sleeve did not run');
  });

  it('marks the queued sleeve "cancelled" and never starts it', () => {
    const waiting = sleeveOf(summary, 'waiting');
    assert.equal(waiting.status, 'cancelled');
    assert.equal(waiting.exitCode, null);
    assert.equal(fs.existsSync(path.join(waiting.runDir, 'pid')), false);
    assert.match(waiting.error ?? '', /interrupted by SIGTERM/);
  });

  it('leaves the sleeve that had finished unaffected', () => {
    assertUnaffected(summary, 'quick');
  });

  it('leaves no sleeve process behind, and no temp files', async () => {
    await assertNoOrphans(ws, 3);
    assertNoTempLeftovers(ws);
  });

  it('writes a valid report that records the interruption; the sleeves\u2019 own writes are no violation', async () => {
    const report = await assertValidReport(summary, ws);
    assert.equal(report.interrupted, 'SIGTERM');
    assert.deepEqual(report.violations, [], show(run));
    assert.deepEqual(
      report.sleeves.map((s) => [s.name, s.status]),
      summary.sleeves.map((s) => [s.name, s.status]),
    );
  });
});

describe('SIGTERM to the runner after the sleeves ended, while the auditor takes its after-manifest', () => {
  const cleanups: Array<() => void> = [];
  let ws = '';
  let run: Run;
  let signalled = false;

  before(async () => {
    ws = workspace(cleanups, { 'sleeves/fine.mjs': FINE_SLEEVE });
    // Enough entries that the after-manifest takes a while (about 1 s here).
    const bulk = path.join(ws, 'data', 'lakehouse', 'bulk');
    fs.mkdirSync(bulk);
    for (let i = 0; i < 30_000; i++) fs.closeSync(fs.openSync(path.join(bulk, `f${i}.csv`), 'w'));
    const started = Date.now();
    const child = startBin(strictRunArgs(ws, ['--sleeve', 'only=sleeves/fine.mjs']), ws);
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      // The progress line of the last sleeve: the batch is over and the audit begins;
      // 150 ms later the runner is well into the after-manifest (about 1 s here).
      if (!signalled && /\[only\] ok in /.test(s)) {
        signalled = true;
        setTimeout(() => child.kill('SIGTERM'), 150);
      }
    });
    run = await collect(child, started, 30_000);
    killLeftovers(ws);
  });
  after(() => {
    for (const c of cleanups) c();
  });

  it('sent the signal after the sleeve ended', () => {
    assert.ok(signalled, show(run));
  });

  it('still exits with a contract exit code and a summary on stdout', () => {
    assert.equal(run.signal, null, `the runner was killed by the signal\n${show(run)}`);
    assert.ok(run.status === 0 || run.status === 1, show(run));
    parseSummary(run);
  });

  it('still writes a valid report', async () => {
    await assertValidReport(parseSummary(run), ws);
  });

  it('leaves no sleeve process behind, and no temp files', async () => {
    await assertNoOrphans(ws, 1);
    assertNoTempLeftovers(ws);
  });
});
