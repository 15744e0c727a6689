/**
 * What `runs clean` would remove (runner/batch/prune.ts), on disk layouts made
 * by hand: batches are ledger + run dirs + report dir; the newest N stay; a
 * running batch is recognised (a live runner, or a report with no ledger yet),
 * an abandoned one is not; symlinks and ids that leave the root are never taken.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type BatchOnDisk, choosePrune, scanBatches, stampOf } from '../../../runner/batch/prune.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

const b = (id: string, startedMs: number): BatchOnDisk => ({ id, startedMs, running: false, state: 'finished', paths: [] });

describe('choosePrune', () => {
  it('keeps the N most recent by start time, removes the rest', () => {
    const all = [b('batch_20260101000000_aaaaaa', 1), b('batch_20260103000000_cccccc', 3), b('batch_20260102000000_bbbbbb', 2)];
    const r = choosePrune(all, 2);
    assert.deepEqual(
      r.keep.map((x) => x.startedMs),
      [3, 2],
    );
    assert.deepEqual(
      r.remove.map((x) => x.startedMs),
      [1],
    );
    assert.equal(choosePrune(all, 0).remove.length, 3);
    assert.equal(choosePrune(all, 10).remove.length, 0);
  });
  it('breaks ties by id, newest id kept', () => {
    const r = choosePrune([b('batch_20260101000000_aaaaaa', 5), b('batch_20260101000000_bbbbbb', 5)], 1);
    assert.equal(r.keep[0]?.id, 'batch_20260101000000_bbbbbb');
  });
});

describe('stampOf', () => {
  it('reads the UTC stamp of a batch id, 0 for anything else', () => {
    assert.equal(stampOf('batch_20261121235959_a1b2c3'), Date.UTC(2026, 10, 21, 23, 59, 59));
    assert.equal(stampOf('not-a-batch'), 0);
  });
});

const id1 = 'batch_20260101000000_111111';
const id2 = 'batch_20260102000000_222222';

function layout(root: string, extra: Record<string, string> = {}): void {
  writeTree(root, {
    [`runs/.batches/${id1}.json`]: JSON.stringify({ batchId: id1, pid: 999999, startedAt: '2026-01-01T00:00:00.000Z', runIds: ['a1', 'b1'] }),
    'runs/a1/out.json': '{}',
    'runs/b1/out.json': '{}',
    [`reports/${id1}/audit.json`]: JSON.stringify({ batchId: id1, verdict: 'clean', startedAt: '2026-01-01T00:00:00.000Z', sleeves: [{ runId: 'a1' }] }),
    [`runs/.batches/${id2}.json`]: JSON.stringify({ batchId: id2, pid: 999998, startedAt: '2026-01-02T00:00:00.000Z', runIds: ['a2'] }),
    'runs/a2/out.json': '{}',
    [`reports/${id2}/audit.json`]: JSON.stringify({ batchId: id2, verdict: 'clean', startedAt: '2026-01-02T00:00:00.000Z', sleeves: [{ runId: 'a2' }] }),
    'runs/handmade/x': 'x',
    'reports/notes/x': 'x',
    ...extra,
  });
}

describe('scanBatches', () => {
  it('gathers each batch: its run dirs, report dir and ledger (last), and the run dirs no batch names', () => {
    const tmp = makeTempDir('sleeve-prune-');
    try {
      layout(tmp.dir);
      const scan = scanBatches(path.join(tmp.dir, 'runs'), path.join(tmp.dir, 'reports'), { alive: () => false });
      const one = scan.batches.find((x) => x.id === id1);
      assert.deepEqual(one?.paths, [
        path.join(tmp.dir, 'runs', 'a1'),
        path.join(tmp.dir, 'runs', 'b1'),
        path.join(tmp.dir, 'reports', id1),
        path.join(tmp.dir, 'runs', '.batches', `${id1}.json`),
      ]);
      assert.equal(one?.startedMs, Date.parse('2026-01-01T00:00:00.000Z'));
      assert.equal(one?.running, false);
      assert.deepEqual(scan.unclaimed, [path.join(tmp.dir, 'runs', 'handmade')]);
      assert.deepEqual(scan.skipped, []);
    } finally {
      tmp.cleanup();
    }
  });
  it('knows a running batch: live runner, or a running report with no ledger yet; a dead runner is an abandoned batch', () => {
    const tmp = makeTempDir('sleeve-prune-');
    try {
      const id3 = 'batch_20260103000000_333333';
      layout(tmp.dir, {
        [`reports/${id3}/audit.json`]: JSON.stringify({ batchId: id3, verdict: 'running', startedAt: '2026-01-03T00:00:00.000Z', sleeves: [] }),
      });
      fs.writeFileSync(path.join(tmp.dir, 'reports', id2, 'audit.json'), JSON.stringify({ batchId: id2, verdict: 'running', sleeves: [] }));
      const scan = (alive: (pid: number) => boolean) => scanBatches(path.join(tmp.dir, 'runs'), path.join(tmp.dir, 'reports'), { alive });
      const dead = scan(() => false);
      assert.deepEqual(
        dead.batches.filter((x) => x.running).map((x) => x.id),
        [id3],
      );
      assert.match(dead.batches.find((x) => x.id === id2)?.state ?? '', /abandoned/);
      const live = scan((pid) => pid === 999998);
      assert.deepEqual(
        live.batches
          .filter((x) => x.running)
          .map((x) => x.id)
          .sort(),
        [id2, id3],
      );
      // A ledger with no report here (--report-dir elsewhere): running while its runner lives.
      fs.rmSync(path.join(tmp.dir, 'reports', id1), { recursive: true });
      assert.ok(scan((pid) => pid === 999999).batches.find((x) => x.id === id1)?.running);
      assert.ok(!scan(() => false).batches.find((x) => x.id === id1)?.running);
    } finally {
      tmp.cleanup();
    }
  });
  it('never takes a symlink, a path outside the root, or a ledger dir that is a symlink', () => {
    const tmp = makeTempDir('sleeve-prune-');
    const outside = makeTempDir('sleeve-prune-outside-');
    try {
      layout(tmp.dir);
      fs.rmSync(path.join(tmp.dir, 'runs', 'b1'), { recursive: true });
      fs.symlinkSync(outside.dir, path.join(tmp.dir, 'runs', 'b1'));
      fs.writeFileSync(path.join(tmp.dir, 'runs', '.batches', `${id2}.json`), JSON.stringify({ batchId: id2, runIds: ['../escape', '.batches', 'a2'] }));
      fs.rmSync(path.join(tmp.dir, 'reports', id2), { recursive: true });
      fs.symlinkSync(outside.dir, path.join(tmp.dir, 'reports', id2));
      const scan = scanBatches(path.join(tmp.dir, 'runs'), path.join(tmp.dir, 'reports'), { alive: () => false });
      const all = scan.batches.flatMap((x) => x.paths);
      assert.ok(!all.includes(path.join(tmp.dir, 'runs', 'b1')));
      assert.ok(!all.includes(path.join(tmp.dir, 'reports', id2)));
      assert.ok(all.every((p) => p.startsWith(`${tmp.dir}${path.sep}`)));
      assert.deepEqual(scan.skipped.map((s) => path.relative(tmp.dir, s.path)).sort(), ['escape', `reports/${id2}`, 'runs/.batches', 'runs/b1'].sort());

      const other = makeTempDir('sleeve-prune-');
      try {
        writeTree(outside.dir, { [`${id1}.json`]: JSON.stringify({ runIds: ['victim'] }) });
        fs.mkdirSync(path.join(other.dir, 'runs'));
        fs.symlinkSync(outside.dir, path.join(other.dir, 'runs', '.batches'));
        const viaLink = scanBatches(path.join(other.dir, 'runs'), path.join(other.dir, 'reports'), { alive: () => false });
        assert.deepEqual(viaLink.batches, []);
        assert.match(viaLink.skipped[0]?.why ?? '', /not a real directory/);
      } finally {
        other.cleanup();
      }
    } finally {
      tmp.cleanup();
      outside.cleanup();
    }
  });
});
