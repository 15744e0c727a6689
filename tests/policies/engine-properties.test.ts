import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import picomatch from 'picomatch';
import { compilePolicy } from '../../policies/engine.js';
import type { FsOp, ResolvedPolicy } from '../../policies/types.js';
import { fakeSys } from '../helpers/fake-sys.js';
import { policyOf as memPolicy } from '../helpers/policy.js';

const WS = '/ws';
const SEGMENTS = ['data', 'lakehouse', 'runs', 'r1', 'r2', 'a.csv', 'b.json', 'x', '.hidden'];

function policyOf(allow: string[], deny: string[], op: FsOp = 'read'): ResolvedPolicy {
  const empty = { allow: [], deny: [] };
  const rules = { allow, deny };
  return memPolicy(op === 'read' ? rules : empty, op === 'write' ? rules : empty, { name: 'prop' });
}

const segment = fc.constantFrom(...SEGMENTS);
const globPart = fc.constantFrom(...SEGMENTS, '*', '**', '{a.csv,b.json}', '*.csv');
const pattern = fc.array(globPart, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
/** Paths as a sleeve might spell them: with "..", ".", "//", absolute or relative, trailing slash. */
const spelled = fc
  .tuple(fc.array(fc.oneof(segment, fc.constant('..'), fc.constant('.'), fc.constant('')), { minLength: 1, maxLength: 7 }), fc.boolean(), fc.boolean())
  .map(([parts, absolute, trailing]) => `${absolute ? `${WS}/` : ''}${parts.join('/')}${trailing ? '/' : ''}`);

const files = [
  `${WS}/data/lakehouse/a.csv`,
  `${WS}/data/lakehouse/b.json`,
  `${WS}/data/lakehouse/x/a.csv`,
  `${WS}/runs/r1/a.csv`,
  `${WS}/runs/r2/b.json`,
  `${WS}/data/.hidden/a.csv`,
];

function relativeOf(real: string): string | undefined {
  if (real === WS) return '.';
  return real.startsWith(`${WS}/`) ? real.slice(WS.length + 1) : undefined;
}

const SEED = 20261121;

describe('engine properties (seeded fast-check over generated policies and spellings)', () => {
  it('never allows a path that no allow pattern matches, and never a path outside the workspace', () => {
    let allowedSeen = 0;
    let deniedSeen = 0;
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), fc.array(pattern, { maxLength: 3 }), spelled, (allow, deny, p) => {
        const engine = compilePolicy(policyOf(allow, deny), { workspace: WS, runId: 'r1', sys: fakeSys({ cwd: WS, files }) });
        const d = engine.decide('read', p);
        if (!d.allowed) {
          deniedSeen++;
          return;
        }
        allowedSeen++;
        assert.ok(d.resolved);
        const rel = relativeOf(d.resolved);
        assert.notEqual(rel, undefined, `allowed outside the workspace: ${d.resolved}`);
        assert.ok(
          allow.some((a) => picomatch(a, { dot: true })(rel as string)),
          `allowed ${rel} though no allow pattern of ${JSON.stringify(allow)} matches`,
        );
      }),
      { seed: SEED, numRuns: 3000 },
    );
    assert.ok(allowedSeen > 50 && deniedSeen > 50, `compared too little: ${allowedSeen} allowed, ${deniedSeen} denied`);
  });

  it('denies whenever a deny pattern matches, whatever the allows', () => {
    let denyMatched = 0;
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), fc.array(pattern, { minLength: 1, maxLength: 3 }), spelled, (allow, deny, p) => {
        const engine = compilePolicy(policyOf([...allow, '**'], deny), { workspace: WS, runId: 'r1', sys: fakeSys({ cwd: WS, files }) });
        const d = engine.decide('read', p);
        const rel = d.resolved ? relativeOf(d.resolved) : undefined;
        if (rel !== undefined && deny.some((x) => picomatch(x, { dot: true })(rel))) {
          denyMatched++;
          assert.equal(d.allowed, false, `deny ${JSON.stringify(deny)} matched ${rel} but the path was allowed`);
          assert.equal(d.rule?.list, 'fs.read.deny');
        }
      }),
      { seed: SEED + 1, numRuns: 3000 },
    );
    assert.ok(denyMatched > 50, `a deny matched only ${denyMatched} times`);
  });

  it('gives the same decision whatever the order of the rules', () => {
    let compared = 0;
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 5 }), fc.array(pattern, { maxLength: 4 }), spelled, fc.integer(), (allow, deny, p, salt) => {
        const sys = fakeSys({ cwd: WS, files });
        const shuffle = (xs: string[]) => [...xs].sort((a, b) => ((a.length * 31 + salt) % 7) - ((b.length * 31 + salt) % 7) || a.localeCompare(b));
        const one = compilePolicy(policyOf(allow, deny), { workspace: WS, runId: 'r1', sys }).decide('read', p);
        const two = compilePolicy(policyOf(shuffle(allow).reverse(), shuffle(deny).reverse()), { workspace: WS, runId: 'r1', sys }).decide('read', p);
        assert.equal(one.allowed, two.allowed);
        compared++;
      }),
      { seed: SEED + 2, numRuns: 2000 },
    );
    assert.equal(compared, 2000);
  });

  it('never lets ".." climb out of a write grant', () => {
    let allowedSeen = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(segment, fc.constant('..'), fc.constant('.')), { minLength: 1, maxLength: 8 }), (parts) => {
        const engine = compilePolicy(policyOf(['{runDir}/**'], [], 'write'), { workspace: WS, runId: 'r1', sys: fakeSys({ cwd: WS, files }) });
        const d = engine.decide('write', `runs/r1/${parts.join('/')}`);
        if (d.allowed) {
          allowedSeen++;
          assert.ok(d.resolved === `${WS}/runs/r1` || d.resolved?.startsWith(`${WS}/runs/r1/`), `climbed to ${d.resolved}`);
        }
      }),
      { seed: SEED + 3, numRuns: 3000 },
    );
    assert.ok(allowedSeen > 100, `only ${allowedSeen} allowed writes compared`);
  });
});

describe('case folding', () => {
  it('denies a case variant of the fallback on a case-insensitive file system, because resolution canonicalises the spelling', () => {
    const sys = fakeSys({ cwd: WS, files: [`${WS}/data/lakehouse/portfolio_candidates.json`], foldCase: true });
    const engine = compilePolicy(policyOf(['data/lakehouse/**'], ['data/lakehouse/portfolio_candidates.json']), { workspace: WS, runId: 'r1', sys });
    for (const variant of ['data/lakehouse/PORTFOLIO_CANDIDATES.json', 'Data/LakeHouse/portfolio_candidates.JSON']) {
      const d = engine.decide('read', variant);
      assert.equal(d.allowed, false, variant);
      assert.equal(d.resolved, path.posix.join(WS, 'data/lakehouse/portfolio_candidates.json'));
    }
  });
  it('matches case-insensitively there even for a file that does not exist yet', () => {
    const sys = fakeSys({ cwd: WS, files: [`${WS}/data/lakehouse/a.csv`], foldCase: true });
    const engine = compilePolicy(policyOf(['data/lakehouse/**'], ['data/lakehouse/secret*']), { workspace: WS, runId: 'r1', sys });
    assert.equal(engine.decide('read', 'data/lakehouse/SECRET-new.txt').allowed, false);
  });
});

describe('caches', () => {
  it('answers a repeated question from the cache with the same decision and the caller spelling', () => {
    const sys = fakeSys({ cwd: WS, files });
    const engine = compilePolicy(policyOf(['data/**'], []), { workspace: WS, runId: 'r1', sys, cacheResolutions: true, cacheSize: 4 });
    const first = engine.decide('read', 'data/lakehouse/a.csv');
    const again = engine.decide('read', `${WS}/data/lakehouse/a.csv`);
    assert.equal(first.allowed, true);
    assert.equal(again.allowed, true);
    assert.equal(again.path, `${WS}/data/lakehouse/a.csv`);
    for (let i = 0; i < 10; i++) engine.decide('read', `data/lakehouse/n${i}.csv`);
    engine.invalidate();
    assert.equal(engine.decide('read', 'data/lakehouse/a.csv').allowed, true);
  });
  it('refuses an invalid run id at compile time', () => {
    const sys = fakeSys({ cwd: WS, files });
    assert.throws(() => compilePolicy(policyOf([], []), { workspace: WS, runId: '../x', sys }), { code: 'EUSAGE' });
    assert.throws(() => compilePolicy(policyOf([], []), { workspace: '/nope', runId: 'ok', sys }), { code: 'EUSAGE' });
  });
});
