/**
 * `sleeve-sandbox policy test`, run in this process through `main(argv, io)`:
 * the built-ins' own tests pass, a deliberately wrong expectation fails with exit 1 and a message that
 * names the place, the case, expected vs got and the deciding rule; JSON and
 * JUnit output; exit 2 for test files or policies that do not load and for bad
 * flags; test files never listed as policies.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { withTempDir, writeTree } from '../../../helpers/tmp.js';
import { repoRoot, runMain, show } from '../../../helpers/cli.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function withWorkspace(files: Record<string, string>, fn: (ws: string) => Promise<void>): Promise<void> {
  return withTempDir('sleeve-policy-test-cli-', (ws) => {
    writeTree(ws, files);
    return fn(ws);
  });
}

const mine = json({ version: 1, name: 'mine', extends: 'strict', fs: { read: { allow: ['data/**'] } } });
const mineTests = json({
  version: 1,
  cases: [
    { name: 'secrets under data/ are readable now', op: 'read', path: 'data/secrets/token.txt', expect: 'allow', rule: 'data/**' },
    { op: 'read', path: 'data/lakehouse/portfolio_candidates.json', expect: 'deny', rule: 'data/lakehouse/portfolio_candidates.json' },
  ],
});

interface JsonOut {
  exitCode: number;
  summary: { files: number; cases: number; passed: number; failed: number; errors: number };
  files: Array<{
    file: string;
    suite: string;
    policy?: string;
    errors?: Array<{ file: string; line: number; message: string }>;
    cases: Array<{ passed: boolean; line: number; message?: string }>;
  }>;
}

describe('policy test', () => {
  it("--builtin: the built-ins' own tests pass (exit 0)", async () => {
    await withWorkspace({}, async (ws) => {
      const run = await runMain(['policy', 'test', '--builtin'], ws);
      assert.equal(run.code, 0, show(run));
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^ok {2}.*strict\.test\.json \(policy strict\): (\d+)\/\1 case\(s\) passed$/m);
      assert.match(run.stderr, /^ok {2}.*ingest\.test\.json \(policy ingest\): (\d+)\/\1 case\(s\) passed$/m);
      assert.match(run.stderr, /policy test: 2 file\(s\), \d+ case\(s\): \d+ passed, 0 failed/);
    });
  });

  it('a deliberately wrong expectation against the built-in strict fails with exit 1, naming the place, the case, expected vs got and the rule', async () => {
    const strictTests = JSON.parse(fs.readFileSync(path.join(repoRoot, 'policies', 'strict.test.json'), 'utf8')) as { cases: Array<Record<string, unknown>> };
    const index = strictTests.cases.findIndex((c) => c['path'] === 'data/lakehouse/portfolio_candidates.json' && c['op'] === 'read');
    assert.ok(index >= 0);
    const wrong = {
      ...strictTests,
      $schema: undefined,
      policy: 'strict',
      cases: strictTests.cases.map((c, i) => (i === index ? { ...c, expect: 'allow' } : c)),
    };
    await withWorkspace({ 'tests/wrong.test.json': json(wrong) }, async (ws) => {
      assert.equal(fs.readFileSync(path.join(ws, 'tests', 'wrong.test.json'), 'utf8'), json(wrong));
      const run = await runMain(['policy', 'test', 'tests/wrong.test.json'], ws);
      assert.equal(run.code, 1, show(run));
      const lines = run.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 1, show(run));
      const text = json(wrong);
      // The case's "{" is the line above its first key.
      const line = text.split('\n').findIndex((l) => l.includes('"the shared candidates fallback stays denied for reads"'));
      assert.match(
        lines[0] ?? '',
        new RegExp(
          `^tests/wrong\\.test\\.json:${line}:5: fail: the shared candidates fallback stays denied for reads \\(read data/lakehouse/portfolio_candidates\\.json\\): expected allow by "data/lakehouse/portfolio_candidates\\.json", got deny by fs\\.read\\.deny "data/lakehouse/portfolio_candidates\\.json" at /.*/policies/strict\\.json:13:9: strict isolation: use your run's own portfolio_candidates\\.json$`,
        ),
        show(run),
      );
      assert.match(run.stderr, /FAIL {2}tests\/wrong\.test\.json \(policy strict\): \d+\/\d+ case\(s\) passed/);
      assert.match(run.stderr, /policy test: 1 file\(s\), \d+ case\(s\): \d+ passed, 1 failed/);
    });
  });

  it('no files: every *.test.json of <workspace>/policies/, its policy beside it; the rule origin is the workspace file', async () => {
    await withWorkspace({ 'policies/mine.json': mine, 'policies/mine.test.json': mineTests, 'policies/notes.json': '{}\n' }, async (ws) => {
      const run = await runMain(['policy', 'test'], ws);
      assert.equal(run.code, 0, show(run));
      assert.match(run.stderr, /ok {2}policies\/mine\.test\.json \(policy mine\): 2\/2 case\(s\) passed/);
      const wrong = mineTests.replace('"expect": "allow"', '"expect": "deny"');
      fs.writeFileSync(path.join(ws, 'policies', 'mine.test.json'), wrong);
      const failed = await runMain(['policy', 'test'], ws);
      assert.equal(failed.code, 1, show(failed));
      assert.match(
        failed.stdout,
        /^policies\/mine\.test\.json:4:5: fail: secrets under data\/ are readable now \(read data\/secrets\/token\.txt\): expected deny by "data\/\*\*", got allow by fs\.read\.allow "data\/\*\*" at policies\/mine\.json:8:9: matches an allow rule$/m,
      );
    });
  });

  it('--format json and --junit: one testsuite per file with a stable name, one testcase per case', async () => {
    const wrong = mineTests.replace('"expect": "allow"', '"expect": "deny"');
    await withWorkspace({ 'policies/mine.json': mine, 'policies/mine.test.json': wrong }, async (ws) => {
      const run = await runMain(['policy', 'test', '--builtin', '--format', 'json', '--junit', 'out/junit.xml'], ws);
      assert.equal(run.code, 2, show(run)); // out/ does not exist: a bad --junit is bad input
      assert.match(run.stderr, /cannot write --junit .*out\/junit\.xml \(ENOENT\)/);
      fs.mkdirSync(path.join(ws, 'out'));
      const ok = await runMain(['policy', 'test', 'policies/mine.test.json', '--builtin', '--format', 'json', '--junit', 'out/junit.xml'], ws);
      assert.equal(ok.code, 1, show(ok));
      const out = JSON.parse(ok.stdout) as JsonOut;
      assert.equal(out.exitCode, 1);
      assert.equal(out.summary.failed, 1);
      assert.equal(out.summary.files, 3);
      assert.deepEqual(
        out.files.map((f) => f.suite),
        ['policies/mine.test.json', 'builtin/ingest.test.json', 'builtin/strict.test.json'],
      );
      const xml = fs.readFileSync(path.join(ws, 'out', 'junit.xml'), 'utf8');
      assert.equal(XMLValidator.validate(xml), true, xml);
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(xml) as {
        testsuites: {
          '@_failures': string;
          testsuite: Array<{
            '@_name': string;
            '@_tests': string;
            '@_failures': string;
            testcase: Array<{ '@_name': string; failure?: { '@_message': string } }>;
          }>;
        };
      };
      assert.equal(doc.testsuites['@_failures'], '1');
      const suites = doc.testsuites.testsuite;
      assert.deepEqual(
        suites.map((s) => s['@_name']),
        out.files.map((f) => f.suite),
      );
      const mineSuite = suites[0];
      assert.equal(mineSuite?.['@_tests'], '2');
      assert.equal(mineSuite?.['@_failures'], '1');
      assert.equal(mineSuite?.testcase[0]?.['@_name'], 'secrets under data/ are readable now');
      assert.match(mineSuite?.testcase[0]?.failure?.['@_message'] ?? '', /^expected deny by "data\/\*\*", got allow by fs\.read\.allow "data\/\*\*"/);
      assert.equal(mineSuite?.testcase[1]?.failure, undefined);
      assert.equal(suites[1]?.testcase.length, out.files[1]?.cases.length);
    });
  });

  it('exit 2 when a test file or its policy does not load, each with its place and the fix; the other files still run', async () => {
    await withWorkspace(
      {
        'policies/bad.test.json': '{\n  "version": 1,\n  "cases": [\n    { "op": "read", "path": "x", "expect": "maybe" }\n  ]\n}\n',
        'policies/orphan.test.json': json({ version: 1, policy: 'no-such', cases: [{ op: 'read', path: 'x', expect: 'deny' }] }),
        'policies/mine.json': mine,
        'policies/mine.test.json': mineTests,
      },
      async (ws) => {
        const run = await runMain(['policy', 'test'], ws);
        assert.equal(run.code, 2, show(run));
        assert.match(run.stdout, /^policies\/bad\.test\.json:4:44: error: cases\[0\]\.expect: expected "allow" or "deny", found "maybe" \(string\)$/m);
        assert.match(
          run.stdout,
          /^policies\/orphan\.test\.json:3:13: error: policy: the policy under test does not load .*fix the policy, or name the right one with "policy"$/m,
        );
        assert.match(run.stdout, /no policy named "no-such"/);
        assert.match(run.stderr, /ok {2}policies\/mine\.test\.json/);
        assert.match(run.stderr, /2 file\(s\) did not load/);
        const asJson = await runMain(['policy', 'test', '--json'], ws);
        assert.equal(asJson.code, 2, show(asJson));
        assert.equal((JSON.parse(asJson.stdout) as JsonOut).summary.errors, 2);
      },
    );
  });

  it('exit 2 with the fix when there is nothing to test, or for a bad --format', async () => {
    await withWorkspace({ 'policies/mine.json': mine }, async (ws) => {
      const none = await runMain(['policy', 'test'], ws);
      assert.equal(none.code, 2, show(none));
      assert.match(
        none.stderr,
        /no policy test files: none given and no \*\.test\.json in .*policies; add policies\/<name>\.test\.json, pass test files, or use --builtin/,
      );
      const format = await runMain(['policy', 'test', '--builtin', '--format', 'xml'], ws);
      assert.equal(format.code, 2, show(format));
      assert.match(format.stderr, /--format <format>' argument 'xml' is invalid\. Allowed choices are text, json/);
      const missing = await runMain(['policy', 'test', 'nope.test.json'], ws);
      assert.equal(missing.code, 2, show(missing));
      assert.match(missing.stdout, /nope\.test\.json:1:1: error: cannot read the policy test file \(ENOENT\)/);
    });
  });

  it('test files are not policies: a name lookup never offers one', async () => {
    await withWorkspace({ 'policies/mine.json': mine, 'policies/mine.test.json': mineTests }, async (ws) => {
      const run = await runMain(['policy', 'check', 'no-such', 'read', 'x'], ws);
      assert.equal(run.code, 2, show(run));
      const known = /known: ([^)]*)\)/.exec(run.stderr)?.[1] ?? '';
      assert.deepEqual(known.split(', '), ['ingest', 'mine', 'strict'], show(run));
    });
  });

  it('a test file given as a policy (policies/*.json picks them up) is refused with exit 2 and the command to run it with', async () => {
    await withWorkspace({ 'policies/mine.json': mine, 'policies/mine.test.json': mineTests }, async (ws) => {
      const run = await runMain(['policy', 'lint', 'policies/mine.json', 'policies/mine.test.json'], ws);
      assert.equal(run.code, 2, show(run));
      assert.match(
        run.stdout,
        /mine\.test\.json:1:1: error: this is a policy test file, not a policy: run it with "sleeve-sandbox policy test .*mine\.test\.json"/,
      );
    });
  });

  it('policy schema --test prints the shipped policies/schema/policy-test.schema.json, which the built-in test files name and npm run schema regenerates', async () => {
    const shipped = path.join(repoRoot, 'policies', 'schema', 'policy-test.schema.json');
    await withWorkspace({}, async (ws) => {
      const run = await runMain(['policy', 'schema', '--test'], ws);
      assert.equal(run.code, 0, show(run));
      assert.deepEqual(JSON.parse(run.stdout), JSON.parse(fs.readFileSync(shipped, 'utf8')));
      assert.equal((JSON.parse(run.stdout) as { title: string }).title, 'sleeve-sandbox policy tests');
    });
    for (const name of ['strict', 'ingest']) {
      const file = path.join(repoRoot, 'policies', `${name}.test.json`);
      const { $schema } = JSON.parse(fs.readFileSync(file, 'utf8')) as { $schema: string };
      assert.equal(path.resolve(path.dirname(file), $schema), shipped, file);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };
    assert.ok(pkg.scripts['schema']?.includes('policy schema --test > policies/schema/policy-test.schema.json'), pkg.scripts['schema']);
    assert.ok(pkg.files.includes('policies/*.json') && pkg.files.includes('policies/schema/*.json'), 'the test files and their schema ship with the package');
  });
});
