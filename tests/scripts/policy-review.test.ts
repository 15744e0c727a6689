/**
 * The CI recipe, run here as a pull request would run it: scripts/policy-review.sh
 * over a real git repository whose policy changes between the base and the
 * working tree, and the composite action's own step (action.yml, parsed, its
 * `${{ }}` expressions filled in as the runner would) executed with bash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';
import { binPath, childEnv, repoRoot, runMain, show } from '../helpers/cli.js';

const script = path.join(repoRoot, 'scripts', 'policy-review.sh');
const cliEnv = { SLEEVE_SANDBOX: `${process.execPath} ${binPath}`, GITHUB_ACTIONS: '' };

const TEAM = {
  $schema: '../node_modules/sleeve-sandbox/policies/schema/policy.schema.json',
  version: 1,
  name: 'team',
  extends: 'strict',
  fs: { read: { allow: ['data/lakehouse/**', 'reference/**'], deny: [] } },
};

const TEAM_TESTS = {
  version: 1,
  policy: 'team',
  cases: [
    { op: 'read', path: 'reference/calendar.csv', expect: 'allow' },
    { op: 'read', path: 'data/lakehouse/portfolio_candidates.json', expect: 'deny' },
    { op: 'write', path: 'data/lakehouse/AAPL.csv', expect: 'deny' },
  ],
};

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv(cliEnv)) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = sh('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], cwd);
  assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Writes the policy, brings it (and the test file) to the canonical form with the CLI itself (in process). */
async function writePolicy(dir: string, policy: unknown): Promise<void> {
  writeTree(dir, { 'policies/team.json': `${JSON.stringify(policy, null, 2)}\n` });
  const r = await runMain(['policy', 'fmt', '--workspace', dir, 'policies/team.json', 'policies/team.test.json'], dir, childEnv(cliEnv));
  assert.equal(r.code, 0, show(r));
}

function review(dir: string, ...args: string[]) {
  return sh('bash', [script, '--workspace', dir, ...args], dir);
}

describe('scripts/policy-review.sh', () => {
  let ws: { dir: string; cleanup: () => void };
  before(async () => {
    ws = makeWorkspace();
    writeTree(ws.dir, {
      'reference/calendar.csv': 'date\n2024-01-02\n',
      'policies/team.test.json': `${JSON.stringify(TEAM_TESTS, null, 2)}\n`,
      '.gitignore': 'policy-review/\nruns/\nreports/\n',
    });
    await writePolicy(ws.dir, TEAM);
    git(ws.dir, 'init', '-q', '-b', 'main');
    git(ws.dir, 'add', '-A');
    git(ws.dir, 'commit', '-q', '-m', 'base');
  });
  after(() => ws.cleanup());

  it('passes an unchanged workspace: lint SARIF, format, tests, and no diff to make', () => {
    const r = review(ws.dir, '--base', 'HEAD');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /lint: passed/);
    assert.match(r.stdout, /format: passed/);
    assert.match(r.stdout, /tests: passed/);
    assert.match(r.stdout, /diff: passed, no policy changed since HEAD/);
    const sarif = JSON.parse(fs.readFileSync(path.join(ws.dir, 'policy-review', 'policy-lint.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.match(fs.readFileSync(path.join(ws.dir, 'policy-review', 'policy-tests.xml'), 'utf8'), /<testsuite/);
  });

  it('fails a change that widens, naming the new paths, and passes one that only narrows', async () => {
    await writePolicy(ws.dir, { ...TEAM, fs: { read: { allow: ['data/**', 'reference/**'], deny: [] } } });
    writeTree(ws.dir, { 'data/secrets/token.txt': 'x\n' });
    const summary = path.join(ws.dir, 'step-summary.md');
    const widened = sh('bash', [script, '--workspace', ws.dir, '--base', 'HEAD'], ws.dir, childEnv({ ...cliEnv, GITHUB_STEP_SUMMARY: summary }));
    assert.equal(widened.code, 1, widened.stdout + widened.stderr);
    assert.match(widened.stdout, /diff: failed \(exit 3\), 1 changed, widens/);
    const md = fs.readFileSync(path.join(ws.dir, 'policy-review', 'policy-diff.md'), 'utf8');
    assert.match(md, /widen/i);
    assert.match(md, /data\/secrets\/token\.txt/);
    assert.equal(fs.readFileSync(summary, 'utf8'), md, 'the diff is the job summary');

    await writePolicy(ws.dir, { ...TEAM, fs: { read: { allow: ['data/lakehouse/**'], deny: [] } } });
    writeTree(ws.dir, {
      'policies/team.test.json': `${JSON.stringify({ ...TEAM_TESTS, cases: TEAM_TESTS.cases.slice(1) }, null, 2)}\n`,
    });
    const narrowed = review(ws.dir, '--base', 'HEAD');
    assert.equal(narrowed.code, 0, narrowed.stdout + narrowed.stderr);
    assert.match(narrowed.stdout, /diff: passed, 1 changed/);
    assert.match(fs.readFileSync(path.join(ws.dir, 'policy-review', 'policy-diff.md'), 'utf8'), /narrow/i);
    git(ws.dir, 'checkout', '-q', '--', '.');
    fs.rmSync(path.join(ws.dir, 'data', 'secrets'), { recursive: true });
  });

  it('fails a policy test that no longer holds, and a file out of canonical form', () => {
    writeTree(ws.dir, {
      'policies/team.test.json': `${JSON.stringify({ ...TEAM_TESTS, cases: [{ op: 'write', path: 'reference/calendar.csv', expect: 'allow' }] }, null, 2)}\n`,
      'policies/team.json': JSON.stringify(TEAM),
    });
    const r = review(ws.dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /tests: failed \(exit 1\)/);
    assert.match(r.stdout, /format: failed \(exit 1\)/);
    assert.match(r.stdout, /diff: passed, no --base/);
    git(ws.dir, 'checkout', '-q', '--', '.');
  });

  it('refuses bad usage with exit 2 and the fix', () => {
    const unknownBase = review(ws.dir, '--base', 'no-such-rev');
    assert.equal(unknownBase.code, 2);
    assert.match(unknownBase.stderr, /--base no-such-rev is not a commit.*fetch-depth: 0/);
    const badFlag = review(ws.dir, '--colour');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /unknown option --colour/);
  });

  it("runs action.yml's review step as the runner would, the batch included", () => {
    const action = parseYaml(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
      runs: { using: string; steps: Array<{ id?: string; run?: string; env?: Record<string, string>; uses?: string }> };
    };
    assert.equal(action.runs.using, 'composite');
    const step = action.runs.steps.find((s) => s.id === 'review');
    assert.ok(step?.run && step.env, 'the review step');
    // Every `uses:` is pinned to a major version at least.
    for (const s of action.runs.steps) if (s.uses) assert.match(s.uses, /@v\d+$/);
    writeTree(ws.dir, {
      'sleeves/ok.mjs': "import fs from 'node:fs';\nfs.writeFileSync(process.env.SLEEVE_RUN_DIR + '/out.txt', 'ok');\n",
      'sleeve-manifest.json': JSON.stringify({ version: 1, policy: 'team', sleeves: [{ name: 'ok', entry: 'sleeves/ok.mjs' }] }),
    });
    const runnerTemp = path.join(ws.dir, 'runner-temp');
    fs.mkdirSync(runnerTemp);
    const outputs = path.join(runnerTemp, 'outputs');
    const values: Record<string, string> = {
      'github.action_path': repoRoot.replace(/\/$/, ''),
      'inputs.workspace': ws.dir,
      'inputs.base': 'HEAD',
      'inputs.manifest': 'sleeve-manifest.json',
    };
    const fill = (text: string) =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
        assert.ok(expr in values, `an expression the test does not know: ${expr}`);
        return values[expr] as string;
      });
    const env = Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, fill(v)]));
    const r = sh('bash', ['-e', '-c', fill(step.run)], ws.dir, childEnv({ ...env, RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: outputs, GITHUB_ACTIONS: 'true' }));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = path.join(runnerTemp, 'sleeve-sandbox-review');
    assert.equal(fs.readFileSync(outputs, 'utf8'), `out=${out}\n`);
    assert.match(r.stdout, /batch: passed/);
    for (const f of ['policy-lint.sarif', 'policy-tests.xml', 'policy-diff.md', 'reports/audit.json', 'reports/audit.sarif']) {
      assert.ok(fs.existsSync(path.join(out, f)), `${f} in the action's output`);
    }
    fs.rmSync(runnerTemp, { recursive: true });
    git(ws.dir, 'clean', '-fdq', 'sleeves', 'sleeve-manifest.json');
  });
});
