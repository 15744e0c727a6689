/**
 * GitHub workflow commands (runner/reports/github.ts) in-process: the
 * escaping rules (`%`, `\r`, `\n` in data; also `:` and `,` in properties),
 * exact annotation lines, and the attacks a sleeve can mount through the text
 * it controls: a path that would end the command or start a new one, and a
 * log tail line that is a workflow command of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditReport, SleeveReport } from '../../../runner/audit/schema.js';
import { annotationLine, batchAnnotations, escapeData, escapeProperty, lintAnnotations } from '../../../runner/reports/github.js';
import { auditReport, sleeveReport } from '../../helpers/report.js';

const TOKEN = '0123456789abcdef0123456789abcdef';

/** A sleeve of the workspace /repo/ws, with its entry. */
const sleeve = (name: string, over: Partial<SleeveReport> = {}): SleeveReport =>
  sleeveReport(name, { entry: `/repo/ws/sleeves/${name}.mjs`, ...over }, '/repo/ws');

const report = (sleeves: SleeveReport[], over: Partial<AuditReport> = {}): AuditReport => auditReport(sleeves, { workspace: '/repo/ws', ...over });

describe('workflow command escaping', () => {
  it('escapes %, CR and LF in data, % first so nothing is escaped twice', () => {
    assert.equal(escapeData('100% done\r\nnext %0A'), '100%25 done%0D%0Anext %250A');
  });
  it('escapes also : and , in properties', () => {
    assert.equal(escapeProperty('a:b,c%d\ne'), 'a%3Ab%2Cc%25d%0Ae');
  });
  it('writes file, line, col and title in that order, and leaves line and col out without a file', () => {
    assert.equal(
      annotationLine({ level: 'error', file: 'a,b:c.json', line: 3, col: 9, title: 'x: y', message: 'm' }),
      '::error file=a%2Cb%3Ac.json,line=3,col=9,title=x%3A y::m',
    );
    assert.equal(annotationLine({ level: 'warning', line: 3, col: 9, message: 'm' }), '::warning::m');
    assert.equal(annotationLine({ level: 'notice', file: 'f', col: 9, message: '::x' }), '::notice file=f::::x');
  });
});

describe('lint annotations', () => {
  it('one line per finding at its file, line and column relative to the root; none outside it', () => {
    const lines = lintAnnotations(
      [
        {
          file: '/repo/policies/p.json',
          line: 4,
          column: 7,
          jsonPath: 'env.pass[0]',
          level: 'warning',
          rule: 'env-pass-all',
          message: 'env.pass "*" passes every variable [env-pass-all]',
        },
        { file: '/elsewhere/q.json', line: 1, column: 1, jsonPath: '', level: 'error', message: 'not JSON: 50%\nbroken' },
      ],
      '/repo',
    );
    assert.deepEqual(lines, [
      '::warning file=policies/p.json,line=4,col=7,title=sleeve-sandbox policy lint%3A env-pass-all::env.pass[0]: env.pass "*" passes every variable [env-pass-all]',
      '::error title=sleeve-sandbox policy lint%3A policy-error::not JSON: 50%25\\u000abroken',
    ]);
  });
});

describe('batch annotations', () => {
  const denied = sleeve('rogue', {
    status: 'failed',
    exitCode: 1,
    denials: [
      {
        op: 'read',
        syscall: 'open',
        path: 'data/x\n::error file=forged::owned,%0A',
        rule: 'fs.read.deny "data/x*"',
        reason: 'no',
        time: '2026-12-01T10:00:00.500Z',
        count: 1,
        origin: { file: '/repo/ws/policies/team.json', line: 12, column: 9, jsonPath: 'fs.read.deny[0]' },
      },
      { op: 'write', syscall: 'open', path: 'data/y', rule: 'fs.write', reason: 'no allow rule matches', time: '2026-12-01T10:00:00.500Z', count: 3 },
    ],
    stderrTail: ['Error: boom', '::error file=ws/x.ts,line=1::forged annotation', '::endgroup::', `::${'f'.repeat(32)}::`],
  });
  const lines = batchAnnotations(
    report([denied, sleeve('fine')], {
      violations: [
        { path: 'data/lakehouse/A,B.csv', change: 'modified', before: null, after: null, time: null, suspects: ['rogue'], why: 'outside every permitted zone' },
      ],
    }),
    { root: '/repo', token: TOKEN },
  );

  it('gives the exact lines: denials at their rule (or the entry), the violation, the failed sleeve, then its log tail fenced', () => {
    assert.deepEqual(lines, [
      '::error file=ws/policies/team.json,line=12,col=9,title=sleeve-sandbox%3A denied-read::rogue: read denied: data/x\\u000a::error file=forged::owned,%250A (policy strict, fs.read.deny "data/x*" at fs.read.deny[0]: no)',
      '::error file=ws/sleeves/rogue.mjs,title=sleeve-sandbox%3A denied-write::rogue: write denied: data/y (policy strict, fs.write: no allow rule matches) x3',
      '::error file=ws/data/lakehouse/A%2CB.csv,title=sleeve-sandbox%3A violation::modified data/lakehouse/A,B.csv (time unknown; suspects: rogue): outside every permitted zone',
      '::error file=ws/sleeves/rogue.mjs,title=sleeve-sandbox%3A sleeve-failed::rogue failed (exit 1); logs in /repo/ws/runs/rogue_1/logs/stderr.log',
      '::group::rogue log tail',
      `::stop-commands::${TOKEN}`,
      '| Error: boom',
      '| ::error file=ws/x.ts,line=1::forged annotation',
      '| ::endgroup::',
      `| ::${'f'.repeat(32)}::`,
      `::${TOKEN}::`,
      '::endgroup::',
    ]);
  });

  it('never lets a sleeve start a line with :: (a command of its own)', () => {
    const ours = new Set(['::group::rogue log tail', `::stop-commands::${TOKEN}`, `::${TOKEN}::`, '::endgroup::']);
    for (const l of lines) {
      assert.ok(!l.includes('\n') && !l.includes('\r'), `one line: ${JSON.stringify(l)}`);
      if (l.startsWith('::') && !ours.has(l)) assert.match(l, /^::(error|warning) [^:]*::/, l);
    }
  });

  it('refuses a guessable stop-commands token', () => {
    assert.throws(() => batchAnnotations(report([denied]), { root: '/repo', token: 'short' }), /token/);
    assert.throws(() => batchAnnotations(report([denied]), { root: '/repo', token: `${TOKEN}::x` }), /token/);
  });

  it('warns of an incomplete proof with no file, and of a skipped sleeve as a warning', () => {
    const out = batchAnnotations(
      report([sleeve('late', { status: 'skipped', exitCode: null, error: 'an earlier step failed' })], {
        verdict: 'failed',
        exitCode: 1,
        integrity: { ...report([]).integrity, audited: false },
      }),
      { root: '/repo', token: TOKEN },
    );
    assert.deepEqual(out, [
      '::warning file=ws/sleeves/late.mjs,title=sleeve-sandbox%3A sleeve-failed::late skipped: an earlier step failed; logs in /repo/ws/runs/late_1/logs/stderr.log',
      '::warning title=sleeve-sandbox%3A proof-incomplete::verdict failed: the audit is not proven clean; the auditor was off (--no-audit): nothing was checked on disk, so changes outside the permitted zones are not listed',
    ]);
  });
});
