/**
 * Policy unit tests (policies/policy-test.ts): the test-file schema, case
 * evaluation by the engine on spellings (never the disk), the policy a test
 * file means, failure messages, the built-ins' own tests, and listPolicyNames
 * leaving test files out.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_POLICY_DIR } from '../../policies/builtin.js';
import { PolicyError } from '../../policies/errors.js';
import { type LoadOptions, listPolicyNames, loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import {
  DEFAULT_TEST_RUN_ID,
  type LoadedTestFile,
  type TestFileResult,
  formatFailures,
  loadTestFile,
  policyRefOf,
  policyTestSchema,
  runCases,
  runTestFile,
  summarize,
} from '../../policies/policy-test.js';
import { policyOf } from '../helpers/policy.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

function withDir<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const tmp = makeTempDir('sleeve-policy-test-');
  try {
    writeTree(tmp.dir, files);
    return fn(tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

function optsFor(ws: string): LoadOptions {
  return { workspace: ws, sys: createNodeSys(undefined, () => ws) };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A loaded test file from cases, written to disk so positions are real. */
function loadedFrom(dir: string, cases: unknown[]): LoadedTestFile {
  const file = path.join(dir, 'policies', 'mem.test.json');
  writeTree(dir, { 'policies/mem.test.json': json({ version: 1, cases }) });
  return loadTestFile(file, createNodeSys());
}

const mem = policyOf({ allow: ['data/lakehouse/**', '{runDir}/**'], deny: ['data/lakehouse/portfolio_candidates.json'] }, { allow: ['{runDir}/**'], deny: [] });

describe('policy test file schema', () => {
  it('accepts the documented shape, and refuses unknown keys, bad ops, bad run ids and empty case lists', () => {
    const good = {
      $schema: './schema/policy-test.schema.json',
      version: 1,
      policy: 'strict',
      cases: [{ name: 'n', op: 'read', path: 'x', runId: 'a', expect: 'deny', rule: null }],
    };
    assert.equal(policyTestSchema.safeParse(good).success, true);
    for (const [bad, fragment] of [
      [{ ...good, extra: 1 }, 'extra'],
      [{ ...good, version: 2 }, 'version'],
      [{ ...good, cases: [] }, 'at least one case'],
      [{ ...good, cases: [{ op: 'exec', path: 'x', expect: 'deny' }] }, '"read" or "write"'],
      [{ ...good, cases: [{ op: 'read', path: 'x', expect: 'maybe' }] }, '"allow" or "deny"'],
      [{ ...good, cases: [{ op: 'read', path: 'x', expect: 'deny', runId: '../x' }] }, 'run id'],
      [{ ...good, cases: [{ op: 'read', path: '', expect: 'deny' }] }, 'non-empty path'],
      [{ ...good, cases: [{ op: 'read', path: 'x', expect: 'deny', rule: 3 }] }, 'deciding pattern'],
    ] as const) {
      const r = policyTestSchema.safeParse(bad);
      assert.equal(r.success, false, JSON.stringify(bad));
      const said = (r.error?.issues ?? []).map((i) => `${i.path.join('.')} ${i.message}`).join('\n');
      assert.ok(said.includes(fragment), `${fragment} in ${said}`);
    }
  });

  it('a file that does not load names the place of each problem (file:line:col and JSON path)', () => {
    withDir({ 'bad.test.json': '{\n  "version": 1,\n  "cases": [\n    { "op": "read", "path": "x", "expect": "nope" }\n  ]\n}\n' }, (dir) => {
      const file = path.join(dir, 'bad.test.json');
      assert.throws(
        () => loadTestFile(file, createNodeSys()),
        (e: unknown) => e instanceof PolicyError && e.diagnostics[0]?.line === 4 && e.diagnostics[0]?.jsonPath === 'cases[0].expect' && e.exitCode === 2,
      );
      assert.throws(() => loadTestFile(path.join(dir, 'missing.test.json'), createNodeSys()), /cannot read the policy test file \(ENOENT\)/);
    });
  });
});

describe('running cases', () => {
  it('decides with the engine: the rule as written, its origin, the default run id, and failures with expected vs got', () => {
    withDir({}, (dir) => {
      const loaded = loadedFrom(dir, [
        { op: 'read', path: 'data/lakehouse/a.csv', expect: 'allow', rule: 'data/lakehouse/**' },
        { op: 'read', path: 'data/lakehouse/portfolio_candidates.json', expect: 'deny', rule: 'data/lakehouse/portfolio_candidates.json' },
        { op: 'write', path: `runs/${DEFAULT_TEST_RUN_ID}/out.json`, expect: 'allow', rule: '{runDir}/**' },
        { op: 'write', path: 'runs/b/out.json', runId: 'a', expect: 'deny', rule: null },
        { name: 'wrong on purpose', op: 'write', path: 'data/lakehouse/a.csv', expect: 'allow' },
        { op: 'read', path: 'data/lakehouse/portfolio_candidates.json', expect: 'deny', rule: 'data/lakehouse/**' },
        { op: 'read', path: 'data/lakehouse/a.csv', expect: 'allow', rule: null },
        { op: 'write', path: 'runs/test/x', expect: 'allow', rule: 'runs/test/**' },
      ]);
      const results = runCases(loaded, mem, '/ws');
      assert.deepEqual(
        results.map((r) => r.passed),
        [true, true, true, true, false, false, false, false],
      );
      assert.equal(results[1]?.rule?.list, 'fs.read.deny');
      assert.equal(results[2]?.runId, 'test');
      const wrong = results[4];
      assert.equal(wrong?.line, 29);
      assert.equal(wrong?.got, 'deny');
      assert.equal(wrong?.message, 'expected allow, got deny by no rule (fs.write: nothing allows it): no allow rule matches');
      assert.match(
        results[5]?.message ?? '',
        /^expected deny by "data\/lakehouse\/\*\*", got deny by fs\.read\.deny "data\/lakehouse\/portfolio_candidates\.json" at mem\.json:1:1: matches a deny rule$/,
      );
      assert.match(results[6]?.message ?? '', /^expected allow by no rule, got allow by fs\.read\.allow "data\/lakehouse\/\*\*"/);
      assert.ok(!results[5]?.message?.includes('the policy has no'), results[5]?.message);
      assert.match(
        results[7]?.message ?? '',
        /; the policy has no fs\.write rule written "runs\/test\/\*\*" \(give "rule" as the pattern is written, variables unexpanded\)$/,
      );
      const lines = formatFailures([{ file: loaded.file, policy: 'mem', cases: results }]);
      assert.equal(lines.length, 4);
      assert.ok(lines[0]?.startsWith(`${loaded.file}:29:5: fail: wrong on purpose (write data/lakehouse/a.csv): expected allow, got deny`), lines[0]);
      assert.deepEqual(summarize([{ file: loaded.file, cases: results }]), { files: 1, cases: 8, passed: 4, failed: 4, errors: 0 });
    });
  });

  it('folds "." and ".." on the spelling, anchored at the workspace; outside it is denied', () => {
    withDir({}, (dir) => {
      const loaded = loadedFrom(dir, [
        { op: 'read', path: 'runs/a/../b/x', runId: 'a', expect: 'deny', rule: null },
        { op: 'read', path: 'runs/a/./x', runId: 'a', expect: 'allow', rule: '{runDir}/**' },
        { op: 'read', path: 'runs/b/../a/x', runId: 'a', expect: 'allow' },
        { op: 'read', path: '../outside/data/lakehouse/a.csv', expect: 'deny', rule: null },
        { op: 'read', path: '/etc/passwd', expect: 'deny', rule: null },
        { op: 'read', path: '/ws/data/lakehouse/a.csv', expect: 'allow' },
      ]);
      const results = runCases(loaded, mem, '/ws');
      assert.deepEqual(
        results.map((r) => [r.passed, r.reason]),
        [
          [true, 'no allow rule matches'],
          [true, 'matches an allow rule'],
          [true, 'matches an allow rule'],
          [true, 'outside the workspace and no rule names it'],
          [true, 'outside the workspace and no rule names it'],
          [true, 'matches an allow rule'],
        ],
      );
    });
  });

  it('never touches the disk: a symlink in the workspace changes no decision, and a missing workspace is fine', () => {
    withDir({ 'ws/secrets/token.txt': 's3cr3t\n', 'ws/runs/a/.keep': '' }, (dir) => {
      const ws = path.join(dir, 'ws');
      // The real engine would follow this link out of the run dir and deny; a policy test decides on the spelling.
      fs.symlinkSync(path.join(ws, 'secrets'), path.join(ws, 'runs', 'a', 'link'));
      const loaded = loadedFrom(dir, [{ op: 'read', path: 'runs/a/link/token.txt', runId: 'a', expect: 'allow', rule: '{runDir}/**' }]);
      assert.equal(runCases(loaded, mem, ws)[0]?.passed, true);
      assert.equal(runCases(loaded, mem, path.join(dir, 'does-not-exist'))[0]?.passed, true);
    });
  });
});

describe('the policy a test file means', () => {
  it('its "policy" (a path relative to the test file, or a name), else <name>.json beside it, else the name', () => {
    withDir(
      {
        'policies/mine.json': json({ version: 1, name: 'mine' }),
        'policies/mine.test.json': json({ version: 1, cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
        'policies/sub/other.test.json': json({ version: 1, policy: '../mine.json', cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
        'tests/strict.test.json': json({ version: 1, cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
        'tests/named.test.json': json({ version: 1, policy: 'ingest', cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
      },
      (ws) => {
        const sys = createNodeSys();
        const ref = (rel: string) => policyRefOf(loadTestFile(path.join(ws, rel), sys), sys);
        assert.equal(ref('policies/mine.test.json'), path.join(ws, 'policies', 'mine.json'));
        assert.equal(ref('policies/sub/other.test.json'), path.join(ws, 'policies', 'mine.json'));
        assert.equal(ref('tests/strict.test.json'), 'strict');
        assert.equal(ref('tests/named.test.json'), 'ingest');
      },
    );
  });

  it("a policy that does not load stops the file with exit 2: a note at the test file, then the policy's own diagnostics", () => {
    withDir(
      {
        'policies/broken.json': '{ "version": 1, "name": "broken", "fs": { "read": { "allow": ["../x"] } } }\n',
        'policies/broken.test.json': json({ version: 1, cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
        'policies/gone.test.json': json({ version: 1, policy: 'no-such-policy', cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
      },
      (ws) => {
        const broken = runTestFile(path.join(ws, 'policies', 'broken.test.json'), optsFor(ws));
        assert.equal(broken.cases.length, 0);
        assert.match(broken.errors?.[0]?.message ?? '', /the policy under test does not load/);
        assert.ok(
          broken.errors?.some((d) => d.file === path.join(ws, 'policies', 'broken.json') && /"\.\." segments/.test(d.message)),
          JSON.stringify(broken.errors),
        );
        const gone = runTestFile(path.join(ws, 'policies', 'gone.test.json'), optsFor(ws));
        assert.equal(gone.errors?.[0]?.jsonPath, 'policy');
        assert.equal(gone.errors?.[0]?.line, 3);
        assert.ok(
          gone.errors?.some((d) => /no policy named "no-such-policy"/.test(d.message)),
          JSON.stringify(gone.errors),
        );
        assert.equal(summarize([broken, gone]).errors, 2);
      },
    );
  });
});

describe("the built-in policies' own tests", () => {
  const results: TestFileResult[] = ['strict', 'ingest'].map((name) =>
    runTestFile(path.join(BUILTIN_POLICY_DIR, `${name}.test.json`), optsFor(path.join(BUILTIN_POLICY_DIR, 'no-workspace'))),
  );

  it('all pass, against the built-in files themselves', () => {
    for (const r of results) {
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.deepEqual(formatFailures([r]), []);
      assert.ok(r.cases.length >= 10, `${r.file}: ${r.cases.length} cases`);
      assert.equal(r.policyFiles?.[0], path.join(BUILTIN_POLICY_DIR, `${r.policy}.json`));
    }
  });

  it('cover the claims: the fallback stays denied with its rule named, other runs denied both ways, the lakehouse read-only, own run dir, outside denied', () => {
    const strict = results[0]?.cases ?? [];
    const has = (pred: (c: (typeof strict)[number]) => boolean, what: string) => assert.ok(strict.some(pred), `strict.test.json has no case: ${what}`);
    has(
      (c) =>
        c.op === 'read' &&
        c.path === 'data/lakehouse/portfolio_candidates.json' &&
        c.expect === 'deny' &&
        c.expectRule === 'data/lakehouse/portfolio_candidates.json',
      'fallback read denied by its rule',
    );
    for (const op of ['read', 'write'] as const) {
      has((c) => c.op === op && c.expect === 'deny' && c.runId === 'a' && c.path.startsWith('runs/b/'), `another run's dir, ${op}`);
      has(
        (c) => c.op === op && c.expect === 'allow' && c.runId === 'a' && c.path.startsWith('runs/a/') && c.expectRule === '{runDir}/**',
        `own run dir, ${op}`,
      );
    }
    has((c) => c.op === 'write' && c.expect === 'deny' && c.path.startsWith('data/lakehouse/'), 'lakehouse read-only');
    has((c) => c.expect === 'deny' && c.path.startsWith('/'), 'absolute path outside the workspace');
    has((c) => c.expect === 'deny' && c.path.startsWith('../'), 'relative path outside the workspace');
    const ingest = results[1]?.cases ?? [];
    assert.ok(
      ingest.some((c) => c.op === 'write' && c.path.startsWith('data/lakehouse/') && c.expect === 'allow'),
      'ingest writes the lakehouse',
    );
    assert.ok(
      ingest.some((c) => c.op === 'read' && c.path.startsWith('data/') && !c.path.startsWith('data/lakehouse/') && c.expect === 'allow'),
      'ingest reads all of data/',
    );
  });

  it('are what the engine decides for the built-ins loaded by name', () => {
    const { policy } = loadPolicy('strict', optsFor('/nonexistent-ws'));
    assert.equal(policy.chain[0]?.kind, 'builtin');
    assert.equal(results[0]?.policy, 'strict');
  });
});

describe('listPolicyNames', () => {
  it('lists policies, not their tests (*.test.json) nor schemas (*.schema.json)', () => {
    withDir(
      {
        'policies/mine.json': json({ version: 1, name: 'mine' }),
        'policies/mine.test.json': json({ version: 1, cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
        'policies/mine.schema.json': '{}\n',
      },
      (ws) => {
        const names = listPolicyNames(optsFor(ws));
        assert.ok(names.includes('mine'), JSON.stringify(names));
        assert.ok(names.includes('strict') && names.includes('ingest'), JSON.stringify(names));
        assert.ok(!names.some((n) => n.endsWith('.test') || n.endsWith('.schema')), JSON.stringify(names));
      },
    );
  });
});
