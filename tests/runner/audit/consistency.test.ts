/**
 * A report must agree with itself (runner/audit/consistency.ts): reports made
 * by the real report builder, then edited the way someone hiding a failure
 * would, each caught at its JSON path. And the fault path: a report builder
 * that throws still leaves three valid reports, verdict `error`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { AuditOutcome } from '../../../runner/audit/auditor.js';
import { checkConsistency } from '../../../runner/audit/consistency.js';
import { type ReportContext, buildAuditReport, errorReport, writeFinalReports } from '../../../runner/audit/report.js';
import { type AuditReport, auditReportSchema } from '../../../runner/audit/schema.js';
import type { BatchResult } from '../../../runner/batch/execute.js';
import type { SleeveResult } from '../../../runner/batch/types.js';
import { makeTempDir } from '../../helpers/tmp.js';

const ctx: ReportContext = {
  batchId: 'batch-1',
  toolVersion: '0.0.0',
  ignore: [],
  protect: ['data/lakehouse/**'],
  excluded: ['.git', 'node_modules', 'reports'],
  weakened: [],
  policySources: [],
};
const result = (name: string, over: Partial<SleeveResult> = {}): SleeveResult => ({
  kind: 'sleeve',
  name,
  runId: name,
  runDir: `/ws/runs/${name}`,
  policy: 'strict',
  mode: 'process',
  status: 'ok',
  exitCode: 0,
  signal: null,
  startedAt: '2026-12-01T10:00:00.000Z',
  durationMs: 100,
  layers: ['fs-guard', 'node-permission'],
  denials: [],
  writes: [],
  logs: { stdout: '/ws/runs/x/logs/stdout.log', stderr: '/ws/runs/x/logs/stderr.log', truncated: false },
  channel: { accepted: 3, dropped: { denials: 0, writes: 0 }, fault: null },
  ...over,
});
const batch = (results: SleeveResult[]): BatchResult => ({
  workspace: '/ws',
  startedAt: '2026-12-01T10:00:00.000Z',
  endedAt: '2026-12-01T10:00:01.000Z',
  interrupted: null,
  results,
  release: () => {},
});
const audit = (violations: AuditOutcome['violations'] = []): AuditOutcome => ({
  violations,
  filesChecked: 10,
  hashed: 4,
  changed: violations.length,
  watcherEvents: 0,
  watcherOverflow: false,
  unreadable: [],
  after: { entries: new Map(), hashed: 4, withSkipped: new Set(), unreadable: new Map() },
  excluded: ['.git', 'node_modules', 'reports'],
  boundsHit: [],
});
const denial = {
  op: 'read',
  syscall: 'open',
  path: '/ws/data/lakehouse/portfolio_candidates.json',
  rule: 'fs.read.deny "x"',
  reason: 'no',
  at: Date.parse('2026-12-01T10:00:00.500Z'),
  count: 1,
};
const violation = {
  path: 'data/lakehouse/AAPL.csv',
  change: 'modified' as const,
  before: null,
  after: null,
  time: null,
  suspects: ['alpha'],
  why: 'outside every permitted zone',
};

const clone = (r: AuditReport): AuditReport => JSON.parse(JSON.stringify(r)) as AuditReport;
const paths = (r: AuditReport) => checkConsistency(r).map((i) => i.path.join('.'));

describe('audit verify: a report must agree with itself', () => {
  const denied = buildAuditReport(batch([result('alpha', { denials: [denial] }), result('beta')]), audit(), ctx);
  const violated = buildAuditReport(batch([result('alpha')]), audit([violation]), ctx);
  const failed = buildAuditReport(batch([result('alpha', { status: 'timeout', exitCode: null, signal: 'SIGTERM' })]), audit(), ctx);
  const clean = buildAuditReport(batch([result('alpha')]), audit(), ctx);
  it('finds nothing wrong in reports as the runner writes them', () => {
    assert.equal(denied.verdict, 'violations');
    assert.equal(violated.verdict, 'violations');
    assert.equal(failed.verdict, 'failed');
    assert.equal(clean.verdict, 'clean');
    for (const r of [denied, violated, failed, clean]) assert.deepEqual(checkConsistency(r), []);
  });
  const edits: Array<[string, AuditReport, (r: AuditReport) => void, string[]]> = [
    ['verdict clean over denials', denied, (r) => Object.assign(r, { verdict: 'clean', exitCode: 0 }), ['verdict']],
    ['verdict clean over a violation', violated, (r) => Object.assign(r, { verdict: 'clean', exitCode: 0 }), ['verdict']],
    ['verdict clean over a failed sleeve', failed, (r) => Object.assign(r, { verdict: 'clean', exitCode: 0 }), ['verdict']],
    ['the exit code alone', denied, (r) => Object.assign(r, { exitCode: 0 }), ['exitCode']],
    [
      'the violation list emptied, the count left',
      violated,
      (r) => Object.assign(r, { violations: [], verdict: 'clean', exitCode: 0 }),
      ['integrity.unaccounted'],
    ],
    [
      'a partial proof made clean by dropping its reason',
      clean,
      (r) => Object.assign(r, { integrity: { ...r.integrity, ignored: ['data/**'], excluded: [...r.integrity.excluded, 'data/**'] } }),
      ['weakened'],
    ],
    [
      'an unaudited run called clean',
      clean,
      (r) => Object.assign(r, { integrity: { ...r.integrity, audited: false, filesChecked: 0 } }),
      ['sleeves.0.layers', 'verdict'],
    ],
    [
      'a channel fault with its denial removed',
      clean,
      (r) => Object.assign(r.sleeves[0] as object, { channel: { accepted: 1, dropped: { denials: 0, writes: 0 }, fault: 'message 2: forged' } }),
      ['sleeves.0.denials', 'sleeves.0.status'],
    ],
    [
      'dropped reports with no weakening',
      clean,
      (r) => Object.assign(r.sleeves[0] as object, { channel: { accepted: 1, dropped: { denials: 0, writes: 9 }, fault: null } }),
      ['weakened'],
    ],
    [
      'an error report made to look clean',
      errorReport(ctx, '/ws', new Error('boom'), '2026-12-01T10:00:00.000Z'),
      (r) => Object.assign(r, { verdict: 'clean', exitCode: 0 }),
      ['verdict'],
    ],
    ['a running report with an exit code', clean, (r) => Object.assign(r, { verdict: 'running', exitCode: 0 }), ['exitCode']],
  ];
  for (const [title, base, edit, where] of edits) {
    it(`catches ${title}`, () => {
      const r = clone(base);
      edit(r);
      assert.ok(auditReportSchema.safeParse(r).success, 'the edit still fits the schema (the schema alone would pass it)');
      assert.deepEqual(paths(r), where);
    });
  }
});

describe('a report builder that fails inside still leaves valid reports', () => {
  const tmp = makeTempDir('sleeve-report-fault-');
  after(tmp.cleanup);
  it('writes the error report (verdict error, exit 70) in place of the one it could not build', async () => {
    const out = await writeFinalReports({
      dir: tmp.dir,
      env: {},
      build: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'count')");
      },
      fallback: (error) => errorReport(ctx, '/ws', error, '2026-12-01T10:00:00.000Z'),
    });
    assert.ok(out.error instanceof TypeError);
    assert.equal(out.report.verdict, 'error');
    const json = JSON.parse(fs.readFileSync(path.join(tmp.dir, 'audit.json'), 'utf8')) as AuditReport;
    assert.equal(auditReportSchema.parse(json).verdict, 'error');
    assert.equal(json.exitCode, 70);
    assert.match(json.error ?? '', /TypeError: Cannot read properties/);
    assert.deepEqual(checkConsistency(json), []);
    assert.match(fs.readFileSync(path.join(tmp.dir, 'audit.md'), 'utf8'), /ERROR \(the runner failed\)/);
    assert.match(fs.readFileSync(path.join(tmp.dir, 'junit.xml'), 'utf8'), /workspace-integrity/);
    assert.deepEqual(
      fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );
  });
});
