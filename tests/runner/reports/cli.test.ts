/**
 * SARIF and GitHub output from the real CLI (the bin, spawned by runBin):
 * a batch with a denial decided by a workspace policy rule, a write no rule
 * allowed, a change the harness makes to the lakehouse while a sleeve runs (a
 * violation), and a failed sleeve whose stderr tries to forge workflow
 * commands; its audit.sarif validated against the SARIF 2.1.0 schema and
 * located; with GITHUB_ACTIONS=true, the exact annotation lines. Then
 * `policy lint --format sarif|github` and `audit verify --format sarif|github`
 * (these two in this process, through `main(argv, io)`).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import { LINT_RULE_IDS } from '../../../policies/lint.js';
import { runMain } from '../../helpers/cli.js';
import { assertValidSarif } from '../../helpers/sarif.js';
import { makeTempDir, makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { type BatchOutcome, WAITING_SLEEVE, childEnv, collect, readOutcome, release, runBin, show, startBin, track, waitStarted } from '../audit/harness.js';

const TEAM_POLICY = `{
  "version": 1,
  "name": "team",
  "extends": "strict",
  "fs": {
    "read": {
      "deny": [{ "path": "data/lakehouse/MSFT.csv", "reason": "not yours" }]
    }
  }
}
`;

const ROGUE = `import fs from 'node:fs';
try { fs.readFileSync('data/lakehouse/MSFT.csv'); } catch (e) { console.error(e.code); }
try { fs.writeFileSync('data/lakehouse/new.csv', 'x'); } catch (e) { console.error(e.code); }
console.error('::error file=policies/team.json,line=1::forged by the sleeve');
console.error('::endgroup::');
process.exit(1);
`;

/** 1-based line and column of the first `{` of the deny rule, where the loader locates it. */
function denyRuleAt(text: string): { line: number; col: number } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes('"deny": [{'));
  return { line: i + 1, col: (lines[i] as string).indexOf('{') + 1 };
}

const TOKEN_FENCE = /^::stop-commands::([0-9a-f]{32})$/;

describe('SARIF and GitHub output of a batch', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });
  let repo: string;
  let ws: string;
  let o: BatchOutcome;
  let env: NodeJS.ProcessEnv;
  let sarif: Sarif.Log;

  before(async () => {
    const tmp = makeTempDir('sleeve-repo-');
    cleanups.push(tmp.cleanup);
    repo = tmp.dir;
    // The workspace is a folder of the repository: paths in the reports are relative to the repository root.
    ws = path.join(repo, 'ws');
    writeTree(ws, {
      'data/lakehouse/AAPL.csv': 'date,close\n2024-01-02,185.6\n',
      'data/lakehouse/MSFT.csv': 'date,close\n2024-01-02,370.9\n',
      'policies/team.json': TEAM_POLICY,
      'sleeves/waiter.mjs': WAITING_SLEEVE,
      'sleeves/rogue.mjs': ROGUE,
    });
    fs.mkdirSync(path.join(ws, 'runs'));
    env = childEnv({ GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: repo });
    const done = collect(
      startBin(
        [
          'run',
          '--policy',
          'team',
          '--os-layer',
          'off',
          '--concurrency',
          '2',
          '--sleeve',
          'waiter=sleeves/waiter.mjs',
          '--sleeve',
          'rogue=sleeves/rogue.mjs',
          '--json',
        ],
        ws,
        env,
      ),
    );
    const ended = track(done);
    try {
      const dir = await waitStarted(ws, 'waiter', ended);
      fs.appendFileSync(path.join(ws, 'data', 'lakehouse', 'AAPL.csv'), '2024-01-03,1.0\n');
      release(dir);
    } finally {
      const run = await done;
      o = readOutcome(ws, run);
    }
    sarif = JSON.parse(fs.readFileSync(path.join(path.dirname(o.summary.reports.json), 'audit.sarif'), 'utf8')) as Sarif.Log;
  });

  it('ends with a denial, a violation and a failed sleeve (exit 3)', () => {
    assert.equal(o.run.code, 3, show(o.run));
    assert.deepEqual(
      o.report.violations.map((v) => v.path),
      ['data/lakehouse/AAPL.csv'],
    );
    const rogue = o.report.sleeves.find((s) => s.name === 'rogue');
    assert.equal(rogue?.status, 'failed');
    assert.deepEqual(
      rogue?.denials.map((d) => [d.op, d.path, d.origin?.jsonPath]),
      [
        ['read', 'data/lakehouse/MSFT.csv', 'fs.read.deny[0]'],
        ['write', 'data/lakehouse/new.csv', undefined],
      ],
    );
    assert.equal(rogue?.denials[0]?.origin?.file, path.join(ws, 'policies', 'team.json'));
    assert.equal(rogue?.entry, path.join(ws, 'sleeves', 'rogue.mjs'));
  });

  it('writes audit.sarif beside the other reports, valid SARIF 2.1.0', () => {
    assert.equal(o.summary.reports.sarif, path.join(path.dirname(o.summary.reports.json), 'audit.sarif'));
    assertValidSarif(sarif, 'audit.sarif');
    assert.equal(sarif.runs[0]?.tool.driver.name, 'sleeve-sandbox');
    assert.match(o.run.stderr, /reports: .*audit\.sarif/);
  });

  it('locates each result: the denial at its rule, the others at the entry or the changed file', () => {
    const results = sarif.runs[0]?.results ?? [];
    const where = (r: Sarif.Result) => {
      const p = r.locations?.[0]?.physicalLocation;
      return [r.ruleId, p?.artifactLocation?.uri, p?.artifactLocation?.uriBaseId, p?.region?.startLine, p?.region?.startColumn];
    };
    const at = denyRuleAt(TEAM_POLICY);
    assert.deepEqual(results.map(where), [
      ['denied-read', 'ws/policies/team.json', '%SRCROOT%', at.line, at.col],
      ['denied-write', 'ws/sleeves/rogue.mjs', '%SRCROOT%', undefined, undefined],
      ['violation', 'ws/data/lakehouse/AAPL.csv', '%SRCROOT%', undefined, undefined],
      ['sleeve-failed', 'ws/sleeves/rogue.mjs', '%SRCROOT%', undefined, undefined],
    ]);
    assert.equal(
      results.some((r) => r.ruleId === 'proof-incomplete'),
      false,
      'the audit was whole',
    );
  });

  it('prints the exact annotation lines (on stderr with --json), the failed sleeve log tail fenced off', () => {
    const at = denyRuleAt(TEAM_POLICY);
    const v = o.report.violations[0];
    const rogue = o.report.sleeves.find((s) => s.name === 'rogue');
    assert.ok(v && rogue);
    const lines = o.run.stderr.split('\n');
    const first = lines.findIndex((l) => l.startsWith('::'));
    assert.ok(first >= 0, show(o.run));
    const ours = lines.slice(first, -1);
    const token = TOKEN_FENCE.exec(ours[5] ?? '')?.[1];
    assert.ok(token, `no stop-commands fence: ${ours.join('\n')}`);
    assert.deepEqual(ours, [
      `::error file=ws/policies/team.json,line=${at.line},col=${at.col},title=sleeve-sandbox%3A denied-read::rogue: read denied: data/lakehouse/MSFT.csv (policy team, fs.read.deny "data/lakehouse/MSFT.csv" at fs.read.deny[0]: not yours)`,
      '::error file=ws/sleeves/rogue.mjs,title=sleeve-sandbox%3A denied-write::rogue: write denied: data/lakehouse/new.csv (policy team, fs.write: no allow rule matches)',
      `::error file=ws/data/lakehouse/AAPL.csv,title=sleeve-sandbox%3A violation::modified data/lakehouse/AAPL.csv (at ${v.time}; suspects: ${v.suspects.join(', ')}): ${v.why}`,
      `::error file=ws/sleeves/rogue.mjs,title=sleeve-sandbox%3A sleeve-failed::rogue failed (exit 1); logs in ${rogue.logs.stderr}`,
      '::group::rogue log tail',
      `::stop-commands::${token}`,
      ...(rogue.stderrTail ?? []).map((l) => `| ${l}`),
      `::${token}::`,
      '::endgroup::',
    ]);
    assert.ok(ours.includes('| ::error file=policies/team.json,line=1::forged by the sleeve'), 'the forged command is shown as text, not run');
    assert.equal(o.run.stdout.trimStart()[0], '{', 'stdout stays the JSON summary');
  });

  it('audit verify --format sarif prints the same log; --format github the same lines with a fresh token', async () => {
    const verify = await runMain(['audit', 'verify', '--format', 'sarif', o.summary.reports.json], ws, env);
    assert.equal(verify.code, 3, show(verify));
    assert.deepEqual(JSON.parse(verify.stdout), sarif);
    const gh = await runMain(['audit', 'verify', '--format', 'github', o.summary.reports.json], ws, env);
    assert.equal(gh.code, 3, show(gh));
    const fromRun = o.run.stderr.split('\n').filter((l) => l.startsWith('::error'));
    assert.deepEqual(
      gh.stdout.split('\n').filter((l) => l.startsWith('::error')),
      fromRun,
    );
    const tokens = [o.run.stderr, gh.stdout].map((t) =>
      t
        .split('\n')
        .map((l) => TOKEN_FENCE.exec(l)?.[1])
        .find(Boolean),
    );
    assert.ok(tokens[0] && tokens[1] && tokens[0] !== tokens[1], `tokens ${JSON.stringify(tokens)}`);
  });

  it('prints the annotations on stdout without --json, and none outside GitHub Actions', async () => {
    const plain = await runBin(['run', '--policy', 'team', '--os-layer', 'off', '--sleeve', 'rogue=sleeves/rogue.mjs'], ws, env);
    assert.equal(plain.code, 3, show(plain));
    const out = plain.stdout.split('\n').filter(Boolean);
    const at = denyRuleAt(TEAM_POLICY);
    assert.equal(
      out[0],
      `::error file=ws/policies/team.json,line=${at.line},col=${at.col},title=sleeve-sandbox%3A denied-read::rogue: read denied: data/lakehouse/MSFT.csv (policy team, fs.read.deny "data/lakehouse/MSFT.csv" at fs.read.deny[0]: not yours)`,
    );
    assert.ok(out.includes('::group::rogue log tail'), plain.stdout);
    assert.ok(!plain.stderr.split('\n').some((l) => l.startsWith('::')), 'no workflow command on stderr');
    const outside = await runBin(['run', '--policy', 'team', '--os-layer', 'off', '--sleeve', 'rogue=sleeves/rogue.mjs'], ws, childEnv({ GITHUB_ACTIONS: '' }));
    assert.equal(outside.code, 3, show(outside));
    assert.equal(outside.stdout, '');
    assert.ok(!outside.stderr.split('\n').some((l) => l.startsWith('::')), outside.stderr);
  });
});

describe('policy lint: SARIF and GitHub output', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });
  let repo: string;
  before(() => {
    const tmp = makeWorkspace();
    cleanups.push(tmp.cleanup);
    repo = tmp.dir;
    writeTree(repo, {
      'policies/risky.json': '{\n  "version": 1,\n  "name": "risky",\n  "env": { "pass": ["*"] }\n}\n',
      'policies/broken.json': '{\n  "version": 1,\n  "name": 3\n}\n',
    });
  });

  it('--format sarif: valid SARIF 2.1.0, each finding with its rule id, level, file, line and column; exit codes unchanged', async () => {
    const run = await runMain(['policy', 'lint', '--format', 'sarif', 'policies/risky.json', 'policies/broken.json'], repo, childEnv({ GITHUB_ACTIONS: '' }));
    assert.equal(run.code, 2, show(run));
    const log = JSON.parse(run.stdout) as Sarif.Log;
    assertValidSarif(log, 'the lint log');
    const rules = log.runs[0]?.tool.driver.rules?.map((r) => r.id) ?? [];
    for (const id of [...LINT_RULE_IDS, 'policy-error']) assert.ok(rules.includes(id), id);
    const results = (log.runs[0]?.results ?? []).map((r) => {
      const p = r.locations?.[0]?.physicalLocation;
      return [r.ruleId, r.level, p?.artifactLocation?.uri, p?.artifactLocation?.uriBaseId, p?.region?.startLine, p?.region?.startColumn];
    });
    assert.deepEqual(results, [
      ['env-pass-all', 'warning', 'policies/risky.json', '%SRCROOT%', 4, 21],
      ['policy-error', 'error', 'policies/broken.json', '%SRCROOT%', 3, 11],
    ]);
    const ok = await runMain(['policy', 'lint', '--format', 'sarif', 'policies/risky.json'], repo);
    assert.equal(ok.code, 0, show(ok));
    const strict = await runMain(['policy', 'lint', '--strict', '--format', 'sarif', 'policies/risky.json'], repo);
    assert.equal(strict.code, 1, show(strict));
    assertValidSarif(JSON.parse(strict.stdout));
  });

  it('GITHUB_ACTIONS=true: one annotation per finding, paths relative to GITHUB_WORKSPACE', async () => {
    const sub = path.join(repo, 'policies');
    const run = await runMain(['policy', 'lint', 'risky.json', 'broken.json'], sub, childEnv({ GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: repo }));
    assert.equal(run.code, 2, show(run));
    const lines = run.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, run.stdout);
    assert.equal(
      lines[0],
      '::warning file=policies/risky.json,line=4,col=21,title=sleeve-sandbox policy lint%3A env-pass-all::env.pass[0]: env.pass "*" passes every parent variable; list the names the sleeve needs [env-pass-all]',
    );
    assert.match(lines[1] as string, /^::error file=policies\/broken\.json,line=3,col=11,title=sleeve-sandbox policy lint%3A policy-error::name: /);
    assert.match(run.stderr, /2 file\(s\): 1 error\(s\), 1 warning\(s\)/);
    const forced = await runMain(['policy', 'lint', '--format', 'github', 'policies/risky.json'], repo, childEnv({ GITHUB_ACTIONS: '' }));
    assert.equal(forced.stdout, `${lines[0]}\n`);
    const text = await runMain(['policy', 'lint', '--format', 'text', 'policies/risky.json'], repo, childEnv({ GITHUB_ACTIONS: 'true' }));
    assert.match(text.stdout, /^\/.*policies\/risky\.json:4:21: warning: /);
  });

  it('refuses --json with another --format, and an unknown format (exit 2)', async () => {
    const both = await runMain(['policy', 'lint', '--json', '--format', 'sarif', 'policies/risky.json'], repo);
    assert.equal(both.code, 2, show(both));
    assert.match(both.stderr, /--json and --format sarif ask for two outputs/);
    const bad = await runMain(['policy', 'lint', '--format', 'xml', 'policies/risky.json'], repo);
    assert.equal(bad.code, 2, show(bad));
  });
});
