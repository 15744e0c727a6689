import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffPolicies, diffResultSchema, emptyPolicy } from '../../policies/diff.js';
import { PolicyError } from '../../policies/errors.js';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { policyOf } from '../helpers/policy.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

const none = { allow: [], deny: [] };

describe('diffPolicies', () => {
  it('strict vs strict is same; strict vs ingest widens read, write, net, limits, env.set and requires', () => {
    const ws = makeWorkspace();
    try {
      const sys = createNodeSys(undefined, () => ws.dir);
      const strict = loadPolicy('strict', { workspace: ws.dir, sys }).policy;
      const ingest = loadPolicy('ingest', { workspace: ws.dir, sys }).policy;
      const same = diffPolicies(strict, strict, { workspace: ws.dir, sys });
      assert.equal(same.verdict, 'same');
      assert.deepEqual(same.entries, []);
      const r = diffResultSchema.parse(diffPolicies(strict, ingest, { workspace: ws.dir, sys }));
      assert.equal(r.verdict, 'widens');
      const fields = r.entries.map((e) => `${e.direction} ${e.field}`);
      for (const f of [
        'widen fs.read',
        'widen fs.write',
        'widen net',
        'widen resources.memoryMiB',
        'widen resources.timeoutSeconds',
        'change env.set',
        'widen requires',
      ]) {
        assert.ok(fields.includes(f), `${f} missing from ${fields.join(', ')}`);
      }
      const read = r.entries.find((e) => e.field === 'fs.read');
      assert.ok(read?.examples.includes('data/x'), JSON.stringify(read));
      // The fallback file strict denies is in the widened set: its deny was dropped.
      assert.ok(read?.rules.some((x) => x.change === 'dropped' && x.pattern === 'data/lakehouse/portfolio_candidates.json'));
      // The reverse: fs narrows, and setting TV_STRICT_* is a change (counted as widening), so mixed.
      const back = diffPolicies(ingest, strict, { workspace: ws.dir });
      assert.equal(back.verdict, 'mixed');
      assert.ok(back.entries.some((e) => e.field === 'fs.read' && e.direction === 'narrow'));
      assert.ok(!back.entries.some((e) => e.field.startsWith('fs.') && e.direction === 'widen'));
    } finally {
      ws.cleanup();
    }
  });

  it('data/** instead of data/lakehouse/** widens read with the existing secrets named', () => {
    const ws = makeWorkspace();
    try {
      const sys = createNodeSys(undefined, () => ws.dir);
      const before = policyOf({ allow: ['data/lakehouse/**'], deny: [] }, none);
      const after = policyOf({ allow: ['data/**'], deny: [] }, none);
      // makeWorkspace has secrets/ at the root; put one under data/ as the example.
      writeTree(ws.dir, { 'data/secrets/token.txt': 'x\n' });
      const r = diffPolicies(before, after, { workspace: ws.dir, sys, examples: 3 });
      assert.equal(r.verdict, 'widens');
      const read = r.entries.find((e) => e.field === 'fs.read' && e.direction === 'widen');
      // The shortest paths are data, data/x, data/l; data exists, so it is listed once, as existing.
      assert.deepEqual(read?.examples, ['data/x', 'data/l']);
      assert.ok(read?.existing.includes('data'), JSON.stringify(read?.existing));
      assert.ok(read?.existing.includes('data/secrets/token.txt'), JSON.stringify(read?.existing));
      assert.match(read?.summary ?? '', /widened by allow "data\/\*\*" \(mem\.json:1:1\)/);
    } finally {
      ws.cleanup();
    }
  });

  it("a rule that reaches another run's directory widens, with {runId} kept symbolic", () => {
    const own = policyOf({ allow: ['{runDir}/**'], deny: [] }, none);
    const all = policyOf({ allow: ['runs/**'], deny: [] }, none);
    const r = diffPolicies(own, all, { workspace: '/ws' });
    const read = r.entries.find((e) => e.field === 'fs.read');
    assert.equal(read?.direction, 'widen');
    assert.ok(
      read?.examples.some((x) => /^runs\/[^{/]+/.test(x)),
      JSON.stringify(read?.examples),
    );
    // The own run dir is granted by both: never an example.
    assert.ok(!read?.examples.some((x) => x.startsWith('runs/{runId}/') || x === 'runs/{runId}'));
    const back = diffPolicies(all, own, { workspace: '/ws' });
    assert.equal(back.verdict, 'narrows');
  });

  it('env.pass: exactly the names newly passed, minus what the runner never passes', () => {
    const a = policyOf(none, none, { env: { pass: ['PATH', 'TV_*'], set: {} } });
    const b = policyOf(none, none, { env: { pass: ['PATH', 'TV_*', 'NODE_*', 'UV_THREADPOOL_SIZE'], set: {} } });
    assert.equal(diffPolicies(a, b, { workspace: '/ws' }).verdict, 'same');
    const c = policyOf(none, none, { env: { pass: ['PATH', 'T*'], set: {} } });
    const r = diffPolicies(a, c, { workspace: '/ws' });
    const e = r.entries.find((x) => x.field === 'env.pass');
    assert.equal(e?.direction, 'widen');
    assert.deepEqual(e?.examples, ['T', 'TX', 'TV']);
  });

  it('scalar fields: higher limits and unset limits widen; isolate -> process and a lower osLayer widen', () => {
    const a = policyOf(none, none, { resources: { memoryMiB: 512, timeoutSeconds: 60 }, mode: 'isolate', osLayer: 'required' });
    const b = policyOf(none, none, {
      resources: { memoryMiB: 256 },
      mode: 'process',
      osLayer: 'auto',
      process: { childProcess: true, workers: false, addons: false },
    });
    const r = diffPolicies(a, b, { workspace: '/ws' });
    const by = Object.fromEntries(r.entries.map((e) => [e.field, e.direction]));
    assert.deepEqual(by, {
      'process.childProcess': 'widen',
      'resources.memoryMiB': 'narrow',
      'resources.timeoutSeconds': 'widen',
      mode: 'widen',
      osLayer: 'widen',
    });
    assert.equal(r.verdict, 'mixed');
  });

  it('audit.protect: hashing less widens, with exact examples', () => {
    const a = policyOf(none, none, { protect: ['data/lakehouse/**'] });
    const b = policyOf(none, none, { protect: ['data/lakehouse/*.csv'] });
    const r = diffPolicies(a, b, { workspace: '/ws' });
    const e = r.entries.find((x) => x.field === 'audit.protect');
    assert.equal(e?.direction, 'widen');
    assert.deepEqual(e?.examples, ['data/lakehouse', 'data/lakehouse/x', 'data/lakehouse/xx']);
  });

  it('a new policy file (against the empty policy) widens by everything it grants', () => {
    const b = policyOf({ allow: ['data/**'], deny: [] }, none, { protect: ['data/lakehouse/**'] });
    const r = diffPolicies(emptyPolicy('b'), b, { workspace: '/ws' });
    // Unset limits (no policy limit) are above the empty policy's strictest ones; mode process is below isolate.
    assert.ok(r.entries.some((e) => e.field === 'fs.read' && e.direction === 'widen'));
    assert.ok(r.entries.some((e) => e.field === 'mode' && e.direction === 'widen'));
  });

  it('an unsupported glob is a PolicyError (exit 2) naming the rule and what to write', () => {
    const a = policyOf({ allow: ['data/**'], deny: [] }, none);
    const b = policyOf({ allow: ['data/@(a|b)/**'], deny: [] }, none);
    assert.throws(
      () => diffPolicies(a, b, { workspace: '/ws' }),
      (error: unknown) =>
        error instanceof PolicyError &&
        error.exitCode === 2 &&
        /mem\.json:1:1/.test(error.message) &&
        /data\/@\(a\|b\)\/\*\*/.test(error.message) &&
        /alternation/.test(error.message),
    );
  });

  it('a pattern that tells run ids apart is reported, not guessed', () => {
    const a = policyOf({ allow: ['runs/?*/**'], deny: [] }, none);
    const b = policyOf({ allow: ['{runDir}/**'], deny: [] }, none);
    assert.throws(
      () => diffPolicies(a, b, { workspace: '/ws' }),
      (error: unknown) => error instanceof PolicyError && /tells run ids apart/.test(error.message),
    );
  });
});
