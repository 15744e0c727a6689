/**
 * `sleeve-sandbox runs clean --keep N` through the real bin: real batches made
 * by `run` are pruned to the newest N (run dirs, report dir, ledger), --dry-run
 * removes nothing, a running batch refuses the whole clean (exit 2, nothing
 * removed) while an abandoned one is pruned, and the attacks: a symlink in
 * runs/ or reports/ to a directory outside, a ledger naming a path outside, a
 * symlinked ledger dir, never lead to a deletion outside. Bad input exit 2.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, snapshotTree, writeTree } from '../../helpers/tmp.js';
import { runBin, runMain, show } from '../audit/harness.js';

interface CleanOut {
  dryRun: boolean;
  kept: string[];
  removed: Array<{ batchId: string; paths: string[] }>;
  skipped: Array<{ path: string; why: string }>;
  unclaimed: string[];
}

async function withWorkspace(fn: (ws: string, tmp: string) => Promise<void>): Promise<void> {
  const tmp = makeTempDir('sleeve-runs-clean-');
  try {
    fs.mkdirSync(path.join(tmp.dir, '.git'));
    const init = await runBin(['init', 'ws'], tmp.dir);
    assert.equal(init.code, 0, show(init));
    await fn(path.join(tmp.dir, 'ws'), tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

/** A finished batch laid out as `run` leaves it, by hand (ids sort by time). */
function fakeBatch(ws: string, n: number, opts: { verdict?: string; pid?: number; runIds?: string[]; ledger?: boolean } = {}): string {
  const id = `batch_2026010${n}000000_00000${n}`;
  const runIds = opts.runIds ?? [`s${n}`];
  const startedAt = `2026-01-0${n}T00:00:00.000Z`;
  if (opts.ledger !== false) writeTree(ws, { [`runs/.batches/${id}.json`]: JSON.stringify({ batchId: id, pid: opts.pid ?? 2 ** 22 + 1, startedAt, runIds }) });
  writeTree(ws, {
    [`reports/${id}/audit.json`]: JSON.stringify({ batchId: id, verdict: opts.verdict ?? 'clean', startedAt, sleeves: runIds.map((runId) => ({ runId })) }),
  });
  for (const r of runIds) if (!r.includes('/') && !r.startsWith('.')) writeTree(ws, { [`runs/${r}/out.json`]: '{}' });
  return id;
}

describe('runs clean', () => {
  it('keeps the N most recent real batches and removes the rest: run dirs, report dir, ledger', async () => {
    await withWorkspace(async (ws) => {
      const batches: string[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await runBin(['run', '--json'], ws);
        assert.equal(run.code, 0, show(run));
        batches.push(path.basename(path.dirname((JSON.parse(run.stdout) as { reports: { json: string } }).reports.json)));
        // Batch ids carry a one-second stamp; the ledger's startedAt orders them within it.
      }
      const runsBefore = list(path.join(ws, 'runs'));
      assert.equal(runsBefore.length, 4, runsBefore.join(', '));

      const dry = await runBin(['runs', 'clean', '--keep', '1', '--dry-run', '--json'], ws);
      assert.equal(dry.code, 0, show(dry));
      const dryOut = JSON.parse(dry.stdout) as CleanOut;
      assert.equal(dryOut.dryRun, true);
      assert.equal(dryOut.removed.length, 2);
      assert.deepEqual(list(path.join(ws, 'runs')), runsBefore, 'a dry run removes nothing');
      assert.equal(list(path.join(ws, 'reports')).length, 3);

      const clean = await runBin(['runs', 'clean', '--keep', '1', '--json'], path.join(ws, 'sleeves'));
      assert.equal(clean.code, 0, show(clean));
      const out = JSON.parse(clean.stdout) as CleanOut;
      assert.deepEqual(out.kept, [batches[2]]);
      assert.deepEqual(out.removed.map((r) => r.batchId).sort(), [batches[0], batches[1]].sort());
      assert.deepEqual(list(path.join(ws, 'reports')), [batches[2]]);
      assert.deepEqual(list(path.join(ws, 'runs', '.batches')), [`${batches[2]}.json`]);
      assert.equal(list(path.join(ws, 'runs')).length, 2);
      for (const r of out.removed) for (const p of r.paths) assert.equal(fs.existsSync(p), false, p);

      const text = await runBin(['runs', 'clean', '--keep', '0'], ws);
      assert.equal(text.code, 0, show(text));
      assert.match(text.stdout, new RegExp(`1 batch\\(es\\), kept 0, removed 1\\n  removed batch ${batches[2]}`));
      assert.deepEqual(list(path.join(ws, 'reports')), []);
      assert.deepEqual(list(path.join(ws, 'runs')), ['.batches']);
      // And the workspace still runs clean afterwards.
      const again = await runBin(['run', '--json'], ws);
      assert.equal(again.code, 0, show(again));
      assert.equal((JSON.parse(again.stdout) as { verdict: string }).verdict, 'clean');
    });
  });

  it('refuses while a batch is running (exit 2, nothing removed); prunes an abandoned one', async () => {
    await withWorkspace(async (ws) => {
      fakeBatch(ws, 1);
      const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        const running = fakeBatch(ws, 2, { verdict: 'running', pid: live.pid as number });
        const before = snapshotTree(ws);
        const refused = await runMain(['runs', 'clean', '--keep', '0'], ws);
        assert.equal(refused.code, 2, show(refused));
        assert.match(
          refused.stderr,
          new RegExp(`batch ${running} is running \\(its audit.json says running and its runner \\(pid ${live.pid}\\) is alive\\).*nothing was removed`),
        );
        assert.deepEqual(snapshotTree(ws), before);
        // Starting: the running report is written before the ledger.
        fs.rmSync(path.join(ws, 'runs', '.batches', `${running}.json`));
        const starting = await runMain(['runs', 'clean', '--keep', '0', '--json'], ws);
        assert.equal(starting.code, 2, show(starting));
        assert.match(starting.stdout, /"code": "EBUSY"/);
        assert.match(starting.stderr, /no ledger yet \(starting\)/);
      } finally {
        live.kill('SIGKILL');
      }
      await new Promise((r) => live.once('exit', r));
      // The runner is gone: the batch it left "running" is abandoned, and pruned like any other.
      fakeBatch(ws, 3, { verdict: 'running', pid: live.pid as number });
      fs.rmSync(path.join(ws, 'reports', 'batch_20260102000000_000002'), { recursive: true });
      const clean = await runBin(['runs', 'clean', '--keep', '0', '--json'], ws);
      assert.equal(clean.code, 0, show(clean));
      assert.deepEqual((JSON.parse(clean.stdout) as CleanOut).removed.map((r) => r.batchId).sort(), [
        'batch_20260101000000_000001',
        'batch_20260103000000_000003',
      ]);
    });
  });

  it('attack: symlinks in runs/ and reports/ to a directory outside, and ledger ids leaving the root, delete nothing outside', async () => {
    await withWorkspace(async (ws, tmp) => {
      const outside = path.join(tmp, 'outside');
      writeTree(outside, { 'precious.txt': 'keep me\n', 'sub/also.txt': 'and me\n' });
      const outsideBefore = snapshotTree(outside);
      fakeBatch(ws, 1, { runIds: ['linked', '..', '../outside', 'ok1'] });
      fs.rmSync(path.join(ws, 'runs', 'linked'), { recursive: true, force: true });
      fs.symlinkSync(outside, path.join(ws, 'runs', 'linked'));
      const id2 = fakeBatch(ws, 2);
      fs.rmSync(path.join(ws, 'reports', id2), { recursive: true });
      fs.symlinkSync(outside, path.join(ws, 'reports', id2));
      // Inside a run dir, a symlink out is removed as a link, never followed.
      fs.symlinkSync(outside, path.join(ws, 'runs', 'ok1', 'escape'));

      const clean = await runBin(['runs', 'clean', '--keep', '0', '--json'], ws);
      assert.equal(clean.code, 0, show(clean));
      const out = JSON.parse(clean.stdout) as CleanOut;
      assert.deepEqual(snapshotTree(outside), outsideBefore, 'nothing outside changed');
      assert.ok(fs.lstatSync(path.join(ws, 'runs', 'linked')).isSymbolicLink(), 'the symlink itself is left, and reported');
      const skipped = out.skipped.map((s) => `${path.relative(ws, s.path)}: ${s.why}`);
      assert.ok(
        skipped.some((s) => s.startsWith('runs/linked: a symlink')),
        skipped.join('\n'),
      );
      assert.ok(
        skipped.some((s) => s.startsWith(`reports/${id2}: a symlink`)),
        skipped.join('\n'),
      );
      assert.ok(
        skipped.some((s) => s.includes('invalid run id "../outside"')),
        skipped.join('\n'),
      );
      assert.ok(
        skipped.some((s) => s.includes('invalid run id ".."')),
        skipped.join('\n'),
      );
      assert.equal(fs.existsSync(path.join(ws, 'runs', 'ok1')), false);
      for (const r of out.removed) for (const p of r.paths) assert.ok(p.startsWith(`${ws}${path.sep}`), p);

      // A ledger dir that is a symlink outside: its entries are neither read nor removed.
      fs.rmSync(path.join(ws, 'runs', '.batches'), { recursive: true, force: true });
      writeTree(outside, { 'batch_20260105000000_000005.json': JSON.stringify({ runIds: ['sub'] }) });
      fs.symlinkSync(outside, path.join(ws, 'runs', '.batches'));
      const outsideBefore2 = snapshotTree(outside);
      const viaLink = await runBin(['runs', 'clean', '--keep', '0', '--json'], ws);
      assert.equal(viaLink.code, 0, show(viaLink));
      assert.deepEqual(snapshotTree(outside), outsideBefore2);
      assert.match(viaLink.stdout, /the ledger dir is not a real directory/);
    });
  });

  it('bad input: exit 2 with the place and the fix', async () => {
    await withWorkspace(async (ws) => {
      for (const [args, says] of [
        [['runs', 'clean'], /required option '--keep <n>'/],
        [['runs', 'clean', '--keep', '-1'], /--keep to be a whole number >= 0, got "-1"/],
        [['runs', 'clean', '--keep', 'two'], /--keep to be a whole number >= 0, got "two"/],
        [['runs', 'clean', '--keep', '1', '--workspace', 'nope'], /--workspace .*nope does not exist/],
        [['runs', 'clean', '--keep', '1', '--runs-dir', 'nope'], /--runs-dir nope does not exist/],
      ] as const) {
        const r = await runMain(args, ws);
        assert.equal(r.code, 2, show(r));
        assert.match(r.stderr, says);
      }
    });
  });

  it("takes the run root from --runs-dir, else the manifest's runsDir (workspace-relative, as run takes it)", async () => {
    const id = 'batch_20260101000000_000001';
    const ledger = {
      [`.batches/${id}.json`]: JSON.stringify({ batchId: id, pid: 2 ** 22 + 1, startedAt: '2026-01-01T00:00:00.000Z', runIds: ['r1'] }),
      'r1/x': 'x',
    };
    await withWorkspace(async (ws) => {
      const elsewhere = path.join(ws, 'artifacts', 'runs');
      writeTree(elsewhere, ledger);
      const clean = await runBin(['runs', 'clean', '--keep', '0', '--runs-dir', 'artifacts/runs'], ws);
      assert.equal(clean.code, 0, show(clean));
      assert.deepEqual(list(elsewhere), ['.batches']);
      assert.deepEqual(list(path.join(elsewhere, '.batches')), []);
      const outside = await runMain(['runs', 'clean', '--keep', '0', '--runs-dir', '../x'], ws);
      assert.equal(outside.code, 2, show(outside));
    });
    await withWorkspace(async (ws) => {
      const root = path.join(ws, 'artifacts', 'summaries', 'runs');
      writeTree(root, ledger);
      writeTree(ws, { 'sleeve-manifest.json': JSON.stringify({ version: 1, runsDir: 'artifacts/summaries/runs', sleeves: [{ name: 'a', entry: 'a.mjs' }] }) });
      const clean = await runBin(['runs', 'clean', '--keep', '0'], ws);
      assert.equal(clean.code, 0, show(clean));
      assert.deepEqual(list(path.join(root, '.batches')), []);
      assert.ok(!fs.existsSync(path.join(root, 'r1')));
    });
  });
});
