/**
 * `{batchRunDirs}`: where it may be written (patterns, schema), how binding
 * turns one rule into one per run dir of the batch, and what the engine,
 * policy diff and policy test make of it. In-process, pure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchRunDirsRule, bindBatchRunDirs } from '../../policies/batch-run-dirs.js';
import { diffPolicies } from '../../policies/diff.js';
import { compilePolicy } from '../../policies/engine.js';
import { checkPattern } from '../../policies/patterns.js';
import { policySchema } from '../../policies/schema.js';
import { fakeSys } from '../helpers/fake-sys.js';
import { policyOf } from '../helpers/policy.js';

const WS = '/ws';
const sys = fakeSys({
  cwd: WS,
  files: ['/ws/runs/a_1/report.json', '/ws/runs/b_1/report.json', '/ws/runs/a_0/report.json', '/ws/runs/fin_1/x', '/ws/data/lakehouse/u.json'],
});
const combine = () =>
  policyOf(
    { allow: ['data/lakehouse/**', '{runDir}/**', '{batchRunDirs}/report.json'], deny: ['{batchRunDirs}/secret.txt'] },
    { allow: ['{runDir}/**'], deny: ['{batchRunDirs}/**'] },
  );

describe('{batchRunDirs} in patterns', () => {
  it('is accepted once, as the first segment', () => {
    for (const ok of ['{batchRunDirs}', '{batchRunDirs}/**', '{batchRunDirs}/*/portfolio_candidates.json']) assert.equal(checkPattern(ok), undefined, ok);
  });
  it('is refused anywhere else, twice, or glued to a name', () => {
    for (const bad of ['runs/{batchRunDirs}/**', '{batchRunDirs}x/**', '{batchRunDirs}/{batchRunDirs}', '/{batchRunDirs}/**']) {
      assert.match(checkPattern(bad) ?? '', /expected \{batchRunDirs\} once, as the first segment/, bad);
    }
  });
  it('is refused in fs.write.allow, requires and audit.protect, with the JSON path', () => {
    const cases: Array<[Record<string, unknown>, Array<string | number>]> = [
      [{ fs: { write: { allow: ['{batchRunDirs}/**'] } } }, ['fs', 'write', 'allow', 0]],
      [{ audit: { protect: ['data/**', '{batchRunDirs}/**'] } }, ['audit', 'protect', 1]],
    ];
    for (const [extra, at] of cases) {
      const r = policySchema.safeParse({ version: 1, name: 'p', ...extra });
      assert.equal(r.success, false, JSON.stringify(extra));
      const issue = r.error?.issues.find((i) => JSON.stringify(i.path) === JSON.stringify(at));
      assert.ok(issue, `${JSON.stringify(r.error?.issues)}`);
      assert.match(issue.message, /expected no \{batchRunDirs\} here/);
    }
    const req = policySchema.safeParse({ version: 1, name: 'p', requires: ['{batchRunDirs}'] });
    assert.equal(req.success, false);
    assert.deepEqual(req.error?.issues[0]?.path, ['requires', 0]);
  });
  it('is fine in read rules and write denies', () => {
    const r = policySchema.safeParse({
      version: 1,
      name: 'p',
      fs: { read: { allow: ['{batchRunDirs}/**'], deny: ['{batchRunDirs}/x'] }, write: { deny: ['{batchRunDirs}/**'] } },
    });
    assert.equal(r.success, true, JSON.stringify(r.error?.issues));
  });
});

describe('bindBatchRunDirs', () => {
  it('makes one rule per run dir of the batch, keeping the written pattern and its origin', () => {
    const bound = bindBatchRunDirs(combine(), 'runs', ['a_1', 'b_1']);
    assert.deepEqual(
      bound.fs.read.allow.map((r) => [r.pattern, r.written]),
      [
        ['data/lakehouse/**', undefined],
        ['{runDir}/**', undefined],
        ['runs/a_1/report.json', '{batchRunDirs}/report.json'],
        ['runs/b_1/report.json', '{batchRunDirs}/report.json'],
      ],
    );
    assert.deepEqual(
      bound.fs.write.deny.map((r) => r.pattern),
      ['runs/a_1/**', 'runs/b_1/**'],
    );
    assert.equal(batchRunDirsRule(bound), undefined, 'nothing left unbound');
    assert.deepEqual(bound.fs.read.allow[3]?.origin, combine().fs.read.allow[2]?.origin);
  });
  it('follows the run root', () => {
    const bound = bindBatchRunDirs(combine(), 'artifacts/summaries/runs', ['a_1']);
    assert.deepEqual(bound.fs.read.allow.map((r) => r.pattern).slice(2), ['artifacts/summaries/runs/a_1/report.json']);
  });
  it('with no run ids, a rule naming it covers nothing', () => {
    const bound = bindBatchRunDirs(combine(), 'runs', []);
    assert.deepEqual(
      bound.fs.read.allow.map((r) => r.pattern),
      ['data/lakehouse/**', '{runDir}/**'],
    );
    assert.deepEqual(bound.fs.write.deny, []);
  });
  it('returns a policy without the variable unchanged', () => {
    const p = policyOf({ allow: ['data/**'], deny: [] }, { allow: [], deny: [] });
    assert.equal(bindBatchRunDirs(p, 'runs', ['a_1']), p);
  });
});

describe('the engine with a batch', () => {
  const engine = (batchRunIds?: string[]) => compilePolicy(combine(), { workspace: WS, runId: 'fin_1', sys, ...(batchRunIds ? { batchRunIds } : {}) });
  it("reads this batch's reports, reporting the rule as written", () => {
    const d = engine(['a_1', 'b_1']).decide('read', '/ws/runs/b_1/report.json');
    assert.equal(d.allowed, true);
    assert.equal(d.rule?.pattern, '{batchRunDirs}/report.json');
    assert.equal(d.rule?.expanded, 'runs/b_1/report.json');
  });
  it("never an earlier batch's run dir, never writes into the batch's", () => {
    const e = engine(['a_1', 'b_1']);
    assert.equal(e.decide('read', '/ws/runs/a_0/report.json').allowed, false);
    const w = e.decide('write', '/ws/runs/a_1/report.json');
    assert.equal(w.allowed, false);
    assert.equal(w.rule?.pattern, '{batchRunDirs}/**');
    assert.equal(e.decide('write', '/ws/runs/fin_1/x').allowed, true);
  });
  it('outside a batch (no run ids) reads no run dir through it', () => {
    assert.equal(engine().decide('read', '/ws/runs/a_1/report.json').allowed, false);
    assert.equal(engine().policy.fs.read.allow.length, 2);
  });
});

describe('policy diff', () => {
  it('reads {batchRunDirs} as any directory of the run root: adding it widens into other runs', () => {
    const before = policyOf({ allow: ['data/lakehouse/**', '{runDir}/**'], deny: [] }, { allow: ['{runDir}/**'], deny: [] });
    const after = policyOf({ allow: ['data/lakehouse/**', '{runDir}/**', '{batchRunDirs}/report.json'], deny: [] }, { allow: ['{runDir}/**'], deny: [] });
    const r = diffPolicies(before, after, { workspace: WS });
    assert.equal(r.verdict, 'widens');
    const read = r.entries.find((e) => e.field === 'fs.read' && e.direction !== 'narrow');
    assert.ok(read, JSON.stringify(r.entries));
    assert.ok(
      read.examples.some((x) => /runs\/.+\/report\.json/.test(x)),
      JSON.stringify(read.examples),
    );
    assert.equal(diffPolicies(after, after, { workspace: WS }).verdict, 'same');
  });
});
