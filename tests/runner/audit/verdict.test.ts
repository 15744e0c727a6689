/**
 * The verdict rule (runner/audit/verdict.ts) as a table, and what the
 * runner's own settings cost the proof (settingsWeakening in run.ts): only
 * the full proof is `clean`, and each weakening says why.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelWeakening } from '../../../runner/audit/report.js';
import { VERDICT_EXIT, type VerdictFacts, decideVerdict } from '../../../runner/audit/verdict.js';
import type { SleeveResult } from '../../../runner/batch/types.js';
import { settingsWeakening } from '../../../runner/commands/run.js';

const ok = { status: 'ok', denials: 0 };
const base: VerdictFacts = { sleeves: [ok, ok], violations: 0, audited: true, weakened: [] };

describe('the verdict of a batch', () => {
  const table: Array<[string, Partial<VerdictFacts>, string, number]> = [
    ['all ok, audited in full', {}, 'clean', 0],
    ['no sleeves at all, audited', { sleeves: [] }, 'clean', 0],
    ['a violation', { violations: 1 }, 'violations', 3],
    ['a denial', { sleeves: [ok, { status: 'ok', denials: 2 }] }, 'violations', 3],
    ['a denial in a failed sleeve: 3 wins over 1', { sleeves: [{ status: 'failed', denials: 1 }] }, 'violations', 3],
    ['a failed sleeve', { sleeves: [ok, { status: 'timeout', denials: 0 }] }, 'failed', 1],
    ['a failed sleeve with the audit off: the failure is what matters', { sleeves: [{ status: 'crashed', denials: 0 }], audited: false }, 'failed', 1],
    ['the audit off', { audited: false }, 'unaudited', 4],
    ['the audit off and weakened', { audited: false, weakened: ['x'] }, 'unaudited', 4],
    ['weakened', { weakened: ['--no-hash'] }, 'partial', 4],
    ['a skipped sleeve (a prepare step failed)', { sleeves: [{ status: 'skipped', denials: 0 }] }, 'failed', 1],
    ['an internal error beats everything', { error: 'boom', violations: 3 }, 'error', 70],
  ];
  for (const [title, over, verdict, exit] of table) {
    it(`${title}: ${verdict}, exit ${exit}`, () => {
      assert.deepEqual(decideVerdict({ ...base, ...over }), { verdict, exitCode: exit });
    });
  }
  it('is never clean unless audited in full with every sleeve ok and nothing denied', () => {
    const statuses = ['ok', 'failed', 'timeout', 'skipped'];
    for (const s of statuses)
      for (const denials of [0, 1])
        for (const violations of [0, 1])
          for (const audited of [true, false])
            for (const weakened of [[], ['w']]) {
              const v = decideVerdict({ sleeves: [{ status: s, denials }], violations, audited, weakened });
              const full = s === 'ok' && denials === 0 && violations === 0 && audited && weakened.length === 0;
              assert.equal(v.verdict === 'clean', full, JSON.stringify({ s, denials, violations, audited, weakened, v }));
              assert.equal(v.exitCode === 0, full);
            }
  });
  it('gives every final verdict its own documented exit code', () => {
    assert.deepEqual({ ...VERDICT_EXIT }, { clean: 0, failed: 1, violations: 3, partial: 4, unaudited: 4, error: 70 });
  });
});

describe('what weakens the proof', () => {
  const protect = ['data/lakehouse/**'];
  it('an ignore glob that reaches into a protected zone, and not one beside it', () => {
    assert.equal(settingsWeakening({ ignore: ['scratch/**', 'data/scratch/**'], protect, hash: true }).length, 0);
    for (const g of ['data/lakehouse/**', 'data/**', 'data/lakehouse/AAPL.csv', '**/*.csv', 'data/*/x/**']) {
      const w = settingsWeakening({ ignore: [g], protect, hash: true });
      assert.equal(w.length, 1, g);
      assert.match(w[0] as string, /leaves part of the protected zone/);
    }
  });
  it('--no-hash when anything is protected', () => {
    assert.match(settingsWeakening({ ignore: [], protect, hash: false })[0] ?? '', /--no-hash/);
    assert.deepEqual(settingsWeakening({ ignore: [], protect: [], hash: false }), []);
  });
  it('reports dropped past a channel cap, per sleeve', () => {
    const r = (name: string, denials: number, writes: number) =>
      ({ name, channel: { accepted: 1, dropped: { denials, writes }, fault: null } }) as unknown as SleeveResult;
    assert.deepEqual(channelWeakening([r('a', 0, 0)]), []);
    const w = channelWeakening([r('a', 0, 5), r('b', 7, 0)]);
    assert.equal(w.length, 2);
    assert.match(w[0] as string, /sleeve a: 5 write report/);
    assert.match(w[1] as string, /sleeve b: 7 denial report/);
  });
});
