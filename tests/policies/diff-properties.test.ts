import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { diffPolicies, fsDifferences } from '../../policies/diff.js';
import { compilePolicy } from '../../policies/engine.js';
import { RUN_ID_SYMBOL, wordOf } from '../../policies/glob-automaton.js';
import { type Sys, emptySys } from '../../policies/sys.js';
import type { FsOp, ResolvedPolicy } from '../../policies/types.js';
import { policyOf } from '../helpers/policy.js';

const WS = '/ws/repo';
const OWN = 'Own7run';
const pureSys: Sys = emptySys(WS);

const segment = fc.constantFrom('data', 'lakehouse', 'runs', 'a.csv', 'x', 'secrets', '*', '**', '*.csv', '{a.csv,x}', 'a?.csv', '[ab].csv', 'x*');
const relPattern = fc.oneof(
  { weight: 6, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')) },
  { weight: 3, arbitrary: fc.constantFrom('{runDir}/**', '{runDir}', '{runDir}/*.csv', 'runs/*/x', 'runs/**', 'runs/{runId}-log/**', '{runDir}/out/**') },
  { weight: 1, arbitrary: fc.constantFrom('/etc/**', '/tmp/*.csv', '/ws/**', '/**') },
);
const rules = fc.record({ allow: fc.array(relPattern, { maxLength: 3 }), deny: fc.array(relPattern, { maxLength: 2 }) });
const pathSeg = fc.constantFrom('data', 'lakehouse', 'runs', 'a.csv', 'b.csv', 'x', 'secrets', 'out', 'ab.csv', '.hidden', OWN, 'other', `${OWN}-log`);
const path = fc.oneof(
  { weight: 6, arbitrary: fc.array(pathSeg, { minLength: 1, maxLength: 4 }).map((s) => `${WS}/${s.join('/')}`) },
  { weight: 2, arbitrary: fc.array(pathSeg, { maxLength: 2 }).map((s) => `${WS}/runs/${OWN}${s.length ? `/${s.join('/')}` : ''}`) },
  { weight: 2, arbitrary: fc.array(pathSeg, { maxLength: 2 }).map((s) => `${WS}/runs/other${s.length ? `/${s.join('/')}` : ''}`) },
  { weight: 1, arbitrary: fc.constantFrom(WS, '/', '/ws', '/etc/passwd', '/tmp/a.csv', '/tmp/x/a.csv') },
);

function policy(read: { allow: string[]; deny: string[] }, write: { allow: string[]; deny: string[] }): ResolvedPolicy {
  return policyOf(read, write, { name: 'p' });
}

const allowed = (p: ResolvedPolicy, op: FsOp, target: string) =>
  compilePolicy(p, { workspace: WS, runId: OWN, sys: pureSys }).decideResolved(op, target).allowed;
/** The model's spelling of a concrete path: the sleeve's own run id becomes the symbol. */
const model = (target: string) => wordOf(target.split(OWN).join(RUN_ID_SYMBOL));

describe('policy diff properties (seeded fast-check: random policies, random paths)', () => {
  it('widened at p exactly when the engine allows p under new and denies it under old; narrowed the reverse', () => {
    const seen = { widened: 0, narrowed: 0, neither: 0 };
    fc.assert(
      fc.property(rules, rules, rules, rules, fc.array(path, { minLength: 1, maxLength: 6 }), (oldRead, oldWrite, newRead, newWrite, paths) => {
        const oldP = policy(oldRead, oldWrite);
        const newP = policy(newRead, newWrite);
        for (const op of ['read', 'write'] as const) {
          const { widened, narrowed } = fsDifferences(oldP, newP, op, { workspace: WS });
          for (const p of paths) {
            const o = allowed(oldP, op, p);
            const n = allowed(newP, op, p);
            const w = widened.test(model(p));
            const r = narrowed.test(model(p));
            assert.equal(
              w,
              n && !o,
              `${op} ${p}: widened says ${w}, engine old ${o} new ${n} (old ${JSON.stringify(oldP.fs[op])}, new ${JSON.stringify(newP.fs[op])})`,
            );
            assert.equal(r, o && !n, `${op} ${p}: narrowed says ${r}, engine old ${o} new ${n}`);
            if (w) seen.widened++;
            else if (r) seen.narrowed++;
            else seen.neither++;
          }
        }
      }),
      { seed: 1313, numRuns: 400 },
    );
    assert.ok(seen.widened > 50 && seen.narrowed > 50 && seen.neither > 200, `compared too little: ${JSON.stringify(seen)}`);
  });

  it('every printed example verifies with the engine (diffPolicies throws otherwise), and an fs difference always has one', () => {
    let withExamples = 0;
    fc.assert(
      fc.property(rules, rules, (a, b) => {
        const oldP = policy(a, { allow: [], deny: [] });
        const newP = policy(b, { allow: [], deny: [] });
        const result = diffPolicies(oldP, newP, { workspace: WS, examples: 3 });
        const { widened, narrowed } = fsDifferences(oldP, newP, 'read', { workspace: WS });
        const wide = result.entries.find((e) => e.field === 'fs.read' && e.direction === 'widen');
        const narrow = result.entries.find((e) => e.field === 'fs.read' && e.direction === 'narrow');
        assert.equal(wide !== undefined, !widened.isEmpty);
        assert.equal(narrow !== undefined, !narrowed.isEmpty);
        for (const e of [wide, narrow]) {
          if (!e) continue;
          assert.ok(e.examples.length > 0);
          withExamples++;
          const run = 'Chk9run';
          for (const ex of e.examples) {
            const concrete = ex.startsWith('/') ? ex : ex === '.' ? WS : `${WS}/${ex.split('{runId}').join(run)}`;
            const target = ex.startsWith('/') ? concrete.split('{runId}').join(run) : concrete;
            const d = (p: ResolvedPolicy) => compilePolicy(p, { workspace: WS, runId: run, sys: pureSys }).decideResolved('read', target).allowed;
            assert.equal(d(e.direction === 'widen' ? newP : oldP), true, `${ex} should be allowed by the wider policy`);
            assert.equal(d(e.direction === 'widen' ? oldP : newP), false, `${ex} should be denied by the narrower policy`);
          }
        }
      }),
      { seed: 2026, numRuns: 250 },
    );
    assert.ok(withExamples > 100, `too few differences: ${withExamples}`);
  });
});
