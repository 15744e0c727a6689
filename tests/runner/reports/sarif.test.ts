/**
 * The SARIF builders (runner/reports/sarif.ts, findings.ts) in-process:
 * reports made by the real report builder over a real policy file (so each
 * denial's rule origin is the loader's), every log validated against the
 * official SARIF 2.1.0 schema, locations relative to the root with
 * %SRCROOT% (absolute file: URIs outside it), and a batch that was not
 * proven never rendered as an empty, clean-looking log.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import { ruleOrigin } from '../../../policies/denial.js';
import { LINT_RULE_IDS, lintPolicy } from '../../../policies/lint.js';
import { loadPolicy } from '../../../policies/loader.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import { type ReportContext, buildAuditReport, errorReport } from '../../../runner/audit/report.js';
import type { BatchResult } from '../../../runner/batch/execute.js';
import type { SleeveResult } from '../../../runner/batch/types.js';
import { AUDIT_RULES, auditFindings, denialRuleId, proofGaps } from '../../../runner/reports/findings.js';
import { relativeToRoot, reportRoot } from '../../../runner/reports/locate.js';
import { POLICY_ERROR_RULE, auditSarif, lintSarif, sarifLocation } from '../../../runner/reports/sarif.js';
import { assertValidSarif, sarifErrors } from '../../helpers/sarif.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

function repo(): string {
  const tmp = makeTempDir('sleeve-sarif-');
  cleanups.push(tmp.cleanup);
  writeTree(tmp.dir, {
    'ws/policies/team.json': `${JSON.stringify(
      {
        version: 1,
        name: 'team',
        fs: {
          read: { allow: ['data/lakehouse/**', '{runDir}/**'], deny: [{ path: 'data/lakehouse/secret #1.json', reason: 'not yours' }] },
          write: { allow: ['{runDir}/**'], deny: [] },
        },
      },
      null,
      2,
    )}\n`,
    'ws/sleeves/alpha.mjs': '',
    'ws/sleeves/beta.mjs': '',
  });
  return tmp.dir;
}

const result = (ws: string, name: string, over: Partial<SleeveResult> = {}): SleeveResult => ({
  kind: 'sleeve',
  name,
  runId: `${name}_1`,
  runDir: path.join(ws, 'runs', `${name}_1`),
  policy: 'team',
  mode: 'process',
  status: 'ok',
  exitCode: 0,
  signal: null,
  startedAt: '2026-12-01T10:00:00.000Z',
  durationMs: 100,
  layers: ['fs-guard'],
  denials: [],
  writes: [],
  logs: {
    stdout: path.join(ws, 'runs', `${name}_1`, 'logs', 'stdout.log'),
    stderr: path.join(ws, 'runs', `${name}_1`, 'logs', 'stderr.log'),
    truncated: false,
  },
  channel: { accepted: 1, dropped: { denials: 0, writes: 0 }, fault: null },
  ...over,
});

const at = Date.parse('2026-12-01T10:00:00.500Z');

function fixture() {
  const root = repo();
  const ws = path.join(root, 'ws');
  const policy = loadPolicy('team', { workspace: ws, sys: createNodeSys(undefined, () => ws) }).policy;
  const denyRule = `fs.read.deny ${JSON.stringify('data/lakehouse/secret #1.json')}`;
  const results = [
    result(ws, 'alpha', {
      status: 'failed',
      exitCode: 1,
      denials: [
        { op: 'read', syscall: 'open', path: 'data/lakehouse/secret #1.json', rule: denyRule, reason: 'not yours', at, count: 2 },
        { op: 'write', syscall: 'open', path: 'data/lakehouse/AAPL.csv', rule: 'fs.write', reason: 'no allow rule matches', at, count: 1 },
        {
          op: 'child_process',
          syscall: 'child_process.spawn',
          path: 'child_process.spawn("ls")',
          rule: 'process.childProcess',
          reason: 'not allowed by the policy',
          at,
          count: 1,
        },
      ],
      stderrTail: ['boom\u001b[31m', '::error::forged'],
      error: 'exit code 1',
    }),
    result(ws, 'beta'),
  ];
  const ctx: ReportContext = {
    batchId: 'batch_1',
    toolVersion: '9.9.9',
    ignore: [],
    protect: ['data/lakehouse/**'],
    excluded: ['.git'],
    weakened: [],
    policySources: [],
    steps: results.map((r) => ({ entry: path.join(ws, 'sleeves', `${r.name}.mjs`), policy })),
  };
  const batch: BatchResult = {
    workspace: ws,
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: '2026-12-01T10:00:01.000Z',
    interrupted: null,
    results,
    release: () => {},
  };
  const violation = {
    path: 'data/lakehouse/MSFT.csv',
    change: 'modified' as const,
    before: null,
    after: null,
    time: null,
    suspects: ['alpha', 'beta'],
    why: 'outside every permitted zone',
  };
  const audited = {
    violations: [violation],
    filesChecked: 10,
    hashed: 4,
    changed: 1,
    watcherEvents: 0,
    watcherOverflow: false,
    unreadable: [],
    after: { entries: new Map(), hashed: 4, withSkipped: new Set<string>(), unreadable: new Map() },
    excluded: ['.git'],
    boundsHit: [],
  };
  return { root, ws, policy, ctx, batch, audited, denyRule };
}

const run0 = (log: Sarif.Log) => log.runs[0] as Sarif.Run;
const uriOf = (r: Sarif.Result) => r.locations?.[0]?.physicalLocation?.artifactLocation;

describe('the schema check itself', () => {
  it('refuses a log that is not SARIF (no driver name, a bad level)', () => {
    assert.notDeepEqual(sarifErrors({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), []);
    assert.notDeepEqual(
      sarifErrors({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] }),
      [],
    );
  });
});

describe('audit SARIF', () => {
  const f = fixture();
  const report = buildAuditReport(f.batch, f.audited, f.ctx);
  const log = auditSarif(report, { root: f.root });
  const results = run0(log).results ?? [];

  it('audit.json carries the origin of each rule that decided, and each sleeve entry', () => {
    const alpha = report.sleeves[0];
    assert.equal(alpha?.entry, path.join(f.ws, 'sleeves', 'alpha.mjs'));
    const origin = ruleOrigin(f.policy, f.denyRule);
    assert.ok(origin, 'the loader gave the deny rule an origin');
    assert.deepEqual(alpha?.denials[0]?.origin, {
      file: path.join(f.ws, 'policies', 'team.json'),
      line: origin.line,
      column: origin.column,
      jsonPath: 'fs.read.deny[0]',
    });
    assert.equal(alpha?.denials[1]?.origin, undefined, 'no rule decided a write no allow matched');
    assert.equal(alpha?.denials[2]?.origin, undefined, 'a capability off by default has no rule');
  });

  it('is valid SARIF 2.1.0 with one run, the tool and every audit rule', () => {
    assertValidSarif(log);
    assert.equal(log.runs.length, 1);
    const driver = run0(log).tool.driver;
    assert.equal(driver.name, 'sleeve-sandbox');
    assert.equal(driver.version, '9.9.9');
    assert.deepEqual(
      driver.rules?.map((r) => r.id),
      Object.keys(AUDIT_RULES),
    );
    for (const r of results) assert.equal(driver.rules?.[r.ruleIndex as number]?.id, r.ruleId, 'ruleIndex points at its rule');
    assert.equal(run0(log).automationDetails?.id, 'sleeve-sandbox/audit/batch_1');
  });

  it('locates a denial at the deny rule that decided it (line and column of the policy file), the sleeve entry related', () => {
    const r = results.find((x) => x.ruleId === 'denied-read');
    assert.ok(r);
    assert.deepEqual(uriOf(r), { uri: 'ws/policies/team.json', uriBaseId: '%SRCROOT%' });
    const origin = ruleOrigin(f.policy, f.denyRule);
    assert.deepEqual(r.locations?.[0]?.physicalLocation?.region, { startLine: origin?.line, startColumn: origin?.column });
    assert.deepEqual(r.relatedLocations?.[0]?.physicalLocation?.artifactLocation, { uri: 'ws/sleeves/alpha.mjs', uriBaseId: '%SRCROOT%' });
    assert.equal(r.level, 'error');
    assert.match(
      r.message.text ?? '',
      /^alpha: read denied: data\/lakehouse\/secret #1\.json \(policy team, fs\.read\.deny "data\/lakehouse\/secret #1\.json" at fs\.read\.deny\[0\]: not yours\) x2$/,
    );
  });

  it('locates a denial no rule decided, and a capability denial, at the sleeve entry', () => {
    for (const id of ['denied-write', 'capability-denied']) {
      const r = results.find((x) => x.ruleId === id);
      assert.ok(r, id);
      assert.deepEqual(uriOf(r), { uri: 'ws/sleeves/alpha.mjs', uriBaseId: '%SRCROOT%' });
      assert.equal(r.relatedLocations, undefined);
    }
  });

  it('gives each violation at the changed path and the failed sleeve at its entry, with its log tail made safe', () => {
    const v = results.find((x) => x.ruleId === 'violation');
    assert.deepEqual(uriOf(v as Sarif.Result), { uri: 'ws/data/lakehouse/MSFT.csv', uriBaseId: '%SRCROOT%' });
    const failed = results.filter((x) => x.ruleId === 'sleeve-failed');
    assert.equal(failed.length, 1, 'beta ended ok');
    assert.deepEqual(uriOf(failed[0] as Sarif.Result), { uri: 'ws/sleeves/alpha.mjs', uriBaseId: '%SRCROOT%' });
    assert.equal(
      failed[0]?.message.text,
      `alpha failed (exit 1): exit code 1; logs in ${report.sleeves[0]?.logs.stderr}\n  | boom\\u001b[31m\n  | ::error::forged`,
    );
  });

  it('says nothing of an incomplete proof when the audit was whole', () => {
    assert.deepEqual(proofGaps(report), []);
    assert.equal(
      results.some((x) => x.ruleId === 'proof-incomplete'),
      false,
    );
    assert.equal(run0(log).invocations?.[0]?.toolExecutionNotifications, undefined);
    assert.equal(run0(log).invocations?.[0]?.executionSuccessful, true);
    assert.equal(run0(log).properties?.proven, true);
  });

  it('names a file outside the root by its absolute file: URI, never a ../ path', () => {
    const inner = auditSarif(report, { root: path.join(f.root, 'ws', 'sleeves') });
    assertValidSarif(inner);
    const r = run0(inner).results?.find((x) => x.ruleId === 'denied-read');
    // The entry is under this root, the rule is not: the entry becomes the location, the rule a related one.
    assert.deepEqual(uriOf(r as Sarif.Result), { uri: 'alpha.mjs', uriBaseId: '%SRCROOT%' });
    assert.equal(r?.relatedLocations?.[0]?.physicalLocation?.artifactLocation?.uri, `file://${path.join(f.ws, 'policies', 'team.json')}`);
    assert.deepEqual(sarifLocation({ file: '/elsewhere/a b#c.json', line: 3, column: 4 }, f.root).physicalLocation, {
      artifactLocation: { uri: 'file:///elsewhere/a%20b%23c.json' },
      region: { startLine: 3, startColumn: 4 },
    });
    assert.deepEqual(sarifLocation({ file: path.join(f.root, 'd ir/100%#x.json') }, f.root).physicalLocation?.artifactLocation, {
      uri: 'd%20ir/100%25%23x.json',
      uriBaseId: '%SRCROOT%',
    });
  });

  it('never renders an unaudited, weakened or failed-inside batch as a clean empty log', () => {
    const unaudited = buildAuditReport({ ...f.batch, results: [result(f.ws, 'beta')] }, undefined, f.ctx);
    assert.equal(unaudited.verdict, 'unaudited');
    const weakened = buildAuditReport(
      { ...f.batch, results: [result(f.ws, 'beta')] },
      { ...f.audited, violations: [] },
      { ...f.ctx, weakened: ['--no-hash: compared by metadata only'] },
    );
    assert.equal(weakened.verdict, 'partial');
    const broken = errorReport(f.ctx, f.ws, new Error('disk on fire'), '2026-12-01T10:00:00.000Z');
    for (const [r, level, text] of [
      [unaudited, 'warning', /auditor was off/],
      [weakened, 'warning', /--no-hash/],
      [broken, 'error', /runner failed inside \(Error: disk on fire\)/],
    ] as const) {
      const l = auditSarif(r, { root: f.root });
      assertValidSarif(l, `the ${r.verdict} log`);
      const gap = run0(l).results?.filter((x) => x.ruleId === 'proof-incomplete') ?? [];
      assert.equal(gap.length, 1, `${r.verdict}: one proof-incomplete result`);
      assert.equal(gap[0]?.level, level);
      assert.match(gap[0]?.message.text ?? '', new RegExp(`^verdict ${r.verdict}: the audit is not proven clean; `));
      assert.match(gap[0]?.message.text ?? '', text);
      const notes = run0(l).invocations?.[0]?.toolExecutionNotifications ?? [];
      assert.ok(notes.length > 0 && notes.every((n) => /^not proven: /.test(n.message.text ?? '')), JSON.stringify(notes));
      assert.equal(run0(l).properties?.proven, false);
    }
    assert.equal(run0(auditSarif(broken, { root: f.root })).invocations?.[0]?.executionSuccessful, false);
  });

  it('still reports the gap of a weakened audit whose verdict is violations', () => {
    const r = buildAuditReport(f.batch, f.audited, { ...f.ctx, weakened: ['an --audit-ignore glob reaches a protected zone'] });
    assert.equal(r.verdict, 'violations');
    assert.ok(auditFindings(r).some((x) => x.ruleId === 'proof-incomplete'));
  });

  it('gives the channel fault and Node permission refusals their rule ids', () => {
    assert.equal(denialRuleId({ op: 'report', rule: 'report-channel' }), 'channel-fault');
    assert.equal(denialRuleId({ op: 'read', rule: 'node-permission' }), 'denied-read');
    assert.equal(denialRuleId({ op: 'net', rule: 'net' }), 'capability-denied');
  });
});

describe('ruleOrigin: the rule a denial names, looked up in the policy (never taken from the sleeve)', () => {
  const f = fixture();
  it('finds a deny and an allow by list and exact pattern', () => {
    assert.equal(ruleOrigin(f.policy, f.denyRule)?.jsonPath, 'fs.read.deny[0]');
    assert.equal(ruleOrigin(f.policy, 'fs.read.allow "{runDir}/**"')?.jsonPath, 'fs.read.allow[1]');
  });
  it('finds nothing for words that name no rule of the policy, or are not rule words at all', () => {
    for (const words of [
      'fs.read',
      'fs.write',
      'process.childProcess',
      'fs.write.deny "data/lakehouse/secret #1.json"',
      'fs.read.deny "data/**"',
      'fs.read.deny data/lakehouse/**',
      'fs.read.deny "\\x"',
      'fs.exec.deny "a"',
    ]) {
      assert.equal(ruleOrigin(f.policy, words), undefined, words);
    }
  });
});

describe('lint SARIF', () => {
  const root = repo();
  const ws = path.join(root, 'ws');
  writeTree(ws, {
    'policies/risky.json': `${JSON.stringify({ version: 1, name: 'risky', fs: { read: { allow: ['**'], deny: [] }, write: { allow: ['data/**'], deny: [] } }, env: { pass: ['*'] } }, null, 2)}\n`,
  });
  const sys = createNodeSys(undefined, () => ws);
  const findings = lintPolicy(loadPolicy('policies/risky.json', { workspace: ws, sys }));
  const loadError = {
    file: path.join(ws, 'policies', 'broken.json'),
    line: 2,
    column: 5,
    jsonPath: 'fs',
    level: 'error' as const,
    message: 'expected an object',
  };
  const log = lintSarif([...findings, loadError], { root, toolVersion: '1.2.3' });
  const results = run0(log).results ?? [];

  it('is valid SARIF 2.1.0 listing every lint rule and policy-error', () => {
    assertValidSarif(log);
    assert.deepEqual(
      run0(log).tool.driver.rules?.map((r) => r.id),
      [...LINT_RULE_IDS, POLICY_ERROR_RULE],
    );
    assert.equal(run0(log).tool.driver.version, '1.2.3');
    assert.equal(run0(log).automationDetails?.id, 'sleeve-sandbox/policy-lint/');
  });

  it('gives each finding its rule id, level, file, line and column', () => {
    assert.ok(findings.length >= 3, JSON.stringify(findings));
    assert.equal(results.length, findings.length + 1);
    for (const [i, d] of findings.entries()) {
      const r = results[i] as Sarif.Result;
      assert.equal(r.ruleId, d.rule);
      assert.equal(r.level, 'warning');
      assert.deepEqual(r.locations?.[0]?.physicalLocation, {
        artifactLocation: { uri: 'ws/policies/risky.json', uriBaseId: '%SRCROOT%' },
        region: { startLine: d.line, startColumn: d.column },
      });
      assert.equal(r.message.text, `${d.jsonPath}: ${d.message}`);
    }
    assert.ok(results.some((r) => r.ruleId === 'env-pass-all'));
    const err = results.at(-1) as Sarif.Result;
    assert.equal(err.ruleId, POLICY_ERROR_RULE);
    assert.equal(err.level, 'error');
    assert.equal(run0(log).invocations?.[0]?.executionSuccessful, false);
  });
});

describe('the report root', () => {
  it('is GITHUB_WORKSPACE when set, else the current directory', () => {
    assert.equal(reportRoot({ GITHUB_WORKSPACE: '/repo' }, '/elsewhere'), '/repo');
    assert.equal(reportRoot({ GITHUB_WORKSPACE: '' }, '/elsewhere'), '/elsewhere');
    assert.equal(reportRoot({}, '/elsewhere'), '/elsewhere');
  });
  it('names files under it relative and /-separated, and none outside it (not the root itself, not a sibling with its prefix)', () => {
    assert.equal(relativeToRoot('/repo', '/repo/a/b.json'), 'a/b.json');
    assert.equal(relativeToRoot('/repo', 'a/b.json'), 'a/b.json');
    assert.equal(relativeToRoot('/repo', '/repo'), undefined);
    assert.equal(relativeToRoot('/repo', '/repo-2/a.json'), undefined);
    assert.equal(relativeToRoot('/repo', '/repo/../etc/passwd'), undefined);
    assert.equal(relativeToRoot('/repo', '/repo/..x/a'), '..x/a');
  });
});
