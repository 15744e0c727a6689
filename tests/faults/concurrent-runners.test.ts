/**
 * Two runners started at the same moment on one workspace.
 *
 * Both manifests give one sleeve the run id "same" plus a distinct other
 * one: exactly one runner may own "same". The other must refuse with exit 2
 * and leave nothing of its own behind (its distinct run dir is not created,
 * or removed again, and it writes no report), whether it notices at planning
 * time or while creating the run dirs. The one that ran leaves an intact,
 * valid, clean report in its own reports/<batchId>/, and no sleeve process
 * survives.
 *
 * With entirely distinct run ids both run; each keeps its own report (no
 * clobbering), and neither should blame its sleeves for the other batch.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  FINE_SLEEVE,
  type Run,
  type Summary,
  assertNoOrphans,
  assertNoTempLeftovers,
  assertUnaffected,
  assertValidReport,
  killLeftovers,
  listTree,
  manifest,
  parseSummary,
  runBin,
  show,
  strictRunArgs,
  workspace,
} from './harness.js';

/** Both runners from one before(); results by label. */
async function runBoth(ws: string, manifests: Record<'A' | 'B', string>): Promise<Record<'A' | 'B', Run>> {
  const [a, b] = await Promise.all([
    runBin(strictRunArgs(ws, ['--manifest', manifests.A, '--concurrency', '2']), ws),
    runBin(strictRunArgs(ws, ['--manifest', manifests.B, '--concurrency', '2']), ws),
  ]);
  return { A: a, B: b };
}

describe('two runners on the same workspace at once', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  describe('both claim the run id "same"', () => {
    // Several rounds: the refusal can come at planning (the dir already exists)
    // or at creation (both planned, one mkdir lost); both paths must hold.
    const ROUNDS = 2;
    const rounds: Array<{ ws: string; runs: Record<'A' | 'B', Run> }> = [];
    const own = { A: 'a-own', B: 'b-own' } as const;

    before(async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const ws = workspace(cleanups, {
          'sleeves/fine.mjs': FINE_SLEEVE,
          'a.json': manifest([
            { name: 'a-one', entry: 'sleeves/fine.mjs', runId: own.A, args: ['400'] },
            { name: 'shared', entry: 'sleeves/fine.mjs', runId: 'same', args: ['400'] },
          ]),
          'b.json': manifest([
            { name: 'shared', entry: 'sleeves/fine.mjs', runId: 'same', args: ['400'] },
            { name: 'b-one', entry: 'sleeves/fine.mjs', runId: own.B, args: ['400'] },
          ]),
        });
        const runs = await runBoth(ws, { A: 'a.json', B: 'b.json' });
        killLeftovers(ws);
        rounds.push({ ws, runs });
      }
    });

    const each = (fn: (r: { ws: string; winner: 'A' | 'B'; loser: 'A' | 'B'; runs: Record<'A' | 'B', Run> }) => void | Promise<void>) => async () => {
      for (const r of rounds) {
        const codes = [r.runs.A.status, r.runs.B.status];
        assert.deepEqual(
          [...codes].sort(),
          [0, 2],
          `expected one runner to run (0) and the other to refuse (2)\n--- A\n${show(r.runs.A)}\n--- B\n${show(r.runs.B)}`,
        );
        const winner = r.runs.A.status === 0 ? 'A' : 'B';
        await fn({ ws: r.ws, winner, loser: winner === 'A' ? 'B' : 'A', runs: r.runs });
      }
    };

    it(
      'one refuses with exit 2 and a message about the taken run id',
      each(({ runs, loser }) => {
        const out = JSON.parse(runs[loser].stdout) as { error?: { exitCode: number; message: string }; sleeves?: unknown };
        assert.equal(out.sleeves, undefined);
        assert.equal(out.error?.exitCode, 2);
        assert.match(out.error?.message ?? '', /run id same (already exists|was taken while this batch started)/, show(runs[loser]));
        assert.doesNotMatch(runs[loser].stderr, /running/, 'the refusing runner started a sleeve');
      }),
    );

    it(
      'nothing of the refusing runner is left: not its run dir, not a report',
      each(({ ws, winner, loser }) => {
        assert.deepEqual(
          fs
            .readdirSync(path.join(ws, 'runs'))
            .filter((n) => n !== '.batches')
            .sort(),
          [own[winner], 'same'].sort(),
        );
        assert.equal(fs.existsSync(path.join(ws, 'runs', own[loser])), false);
        assert.equal(fs.readdirSync(path.join(ws, 'reports')).length, 1, listTree(path.join(ws, 'reports')).join('\n'));
      }),
    );

    it(
      'the runner that ran leaves an intact, valid, clean report and ok sleeves',
      each(async ({ ws, runs, winner }) => {
        const summary: Summary = parseSummary(runs[winner]);
        assert.equal(summary.verdict, 'clean', show(runs[winner]));
        assert.deepEqual(summary.violations, []);
        const names = winner === 'A' ? ['a-one', 'shared'] : ['shared', 'b-one'];
        assert.deepEqual(
          summary.sleeves.map((s) => s.name),
          names,
        );
        for (const n of names) assertUnaffected(summary, n);
        const report = await assertValidReport(summary, ws);
        assert.deepEqual(
          report.sleeves.map((s) => s.runId),
          winner === 'A' ? [own.A, 'same'] : ['same', own.B],
        );
        assert.deepEqual(fs.readdirSync(path.join(ws, 'reports')), [report.batchId]);
      }),
    );

    it(
      'leaves no sleeve process behind, and no temp files',
      each(async ({ ws }) => {
        await assertNoOrphans(ws, 2);
        assertNoTempLeftovers(ws);
      }),
    );
  });

  describe('distinct run ids', () => {
    let ws = '';
    let runs: Record<'A' | 'B', Run>;

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/fine.mjs': FINE_SLEEVE,
        'a.json': manifest([{ name: 'a-one', entry: 'sleeves/fine.mjs', runId: 'a-only', args: ['400'] }]),
        'b.json': manifest([{ name: 'b-one', entry: 'sleeves/fine.mjs', runId: 'b-only', args: ['400'] }]),
      });
      runs = await runBoth(ws, { A: 'a.json', B: 'b.json' });
      killLeftovers(ws);
    });

    it('runs both (or refuses one with exit 2); each keeps its own intact report, none clobbered', async () => {
      const ran = (['A', 'B'] as const).filter((k) => runs[k].status !== 2);
      assert.ok(ran.length >= 1, `${show(runs.A)}\n${show(runs.B)}`);
      const dirs = new Set<string>();
      for (const k of ran) {
        const summary = parseSummary(runs[k]);
        assert.ok(
          summary.sleeves.every((s) => s.status === 'ok'),
          show(runs[k]),
        );
        const report = await assertValidReport(summary, ws);
        assert.equal(report.sleeves.length, 1);
        assert.equal(report.sleeves[0]?.name, k === 'A' ? 'a-one' : 'b-one');
        dirs.add(report.batchId);
      }
      assert.equal(dirs.size, ran.length, 'two runners wrote into the same reports/<batchId>/');
      assert.deepEqual(fs.readdirSync(path.join(ws, 'reports')).sort(), [...dirs].sort());
    });

    it('leaves no sleeve process behind, and no temp files', async () => {
      await assertNoOrphans(ws, fs.readdirSync(path.join(ws, 'runs')).filter((n) => n !== '.batches').length);
      assertNoTempLeftovers(ws);
    });

    it("neither blames its own sleeves for the other batch's run dir (exit 0, or 2 for a refused one)", () => {
      for (const k of ['A', 'B'] as const) {
        assert.ok(runs[k].status === 0 || runs[k].status === 2, `${k}: ${show(runs[k])}`);
      }
    });
  });
});
