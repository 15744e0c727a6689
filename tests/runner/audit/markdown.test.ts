/**
 * audit.md as a Markdown renderer shows it (markdown-it: CommonMark plus GFM
 * tables, HTML allowed as on GitHub): paths with `|`, `*`, `_`, backticks and
 * markup read back exactly, in code and in table cells, where backslash
 * escapes inside code spans used to show their backslashes; failed sleeves'
 * reasons; the JUnit suite name the same in every batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import MarkdownIt from 'markdown-it';
import { renderJunit } from '../../../runner/audit/junit.js';
import { codeSpan, renderMarkdown } from '../../../runner/audit/markdown.js';
import type { AuditReport, SleeveReport } from '../../../runner/audit/schema.js';
import { auditReport, sleeveReport } from '../../helpers/report.js';
import { parseJunit } from './harness.js';

const md = new MarkdownIt({ html: true });

/** The text of each <code> element of the rendered HTML, entities decoded. */
function codes(html: string): string[] {
  return [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => decode(m[1] as string));
}
function decode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
/** Rendered inline Markdown as plain text (tags dropped, entities decoded). */
const inline = (text: string) => decode(md.renderInline(text).replace(/<[^>]+>/g, ''));

const HARD = [
  'a|b.csv',
  '*bold*',
  '_under_',
  'tick`in',
  '`lead',
  'trail`',
  'two``ticks',
  ' spaced ',
  '<script>alert(1)</script>',
  'a&b',
  'back\\slash|',
  'x\ny',
];

describe('codeSpan: inline code by the CommonMark rules', () => {
  for (const text of HARD) {
    it(`shows ${JSON.stringify(text)} as code, exactly (control characters made visible)`, () => {
      const html = md.renderInline(codeSpan(text));
      assert.deepEqual(codes(html), [text.replace('\n', '\\u000a')], `${codeSpan(text)} -> ${html}`);
    });
  }
  it('puts no backslash escape inside a code span and no raw markup in the file', () => {
    assert.equal(codeSpan('a|b*c_d'), '`a|b*c_d`');
    assert.equal(codeSpan('tick`in'), '``tick`in``');
    assert.equal(codeSpan('`lead'), '`` `lead ``');
    assert.ok(!codeSpan('<script>').includes('<script>'));
  });
});

const sleeve = sleeveReport;

/** The batch `batchId`, its integrity listing two excluded paths that need escaping. */
const report = (batchId: string, sleeves: SleeveReport[], over: Partial<AuditReport> = {}): AuditReport =>
  auditReport(sleeves, { batchId, integrity: { ...auditReport([]).integrity, excluded: ['a|b', '`x`'] }, ...over });

describe('audit.md rendered', () => {
  const denials = HARD.map((p) => ({
    op: 'read',
    syscall: 'open',
    path: `data/${p}`,
    rule: 'fs.read.deny "data/*|*"',
    reason: 'no | way *really*',
    time: '2026-12-01T10:00:00.500Z',
    count: 1,
  }));
  const r = report(
    'batch_1',
    [sleeve('rogue', { policy: 'team|a*b_c', status: 'failed', exitCode: 2, error: 'exit code 2', denials, stderrTail: ['Error: no *such* | file'] })],
    {
      violations: [
        {
          path: 'data/lakehouse/v|`w`*_.csv',
          change: 'modified',
          before: null,
          after: null,
          time: null,
          suspects: ['rogue'],
          why: 'outside every permitted zone',
        },
      ],
    },
  );
  const text = renderMarkdown(r);
  const html = md.render(text);

  it('shows every denied path and the violation path exactly, as code', () => {
    const shown = codes(html);
    for (const p of HARD) assert.ok(shown.includes(`data/${p}`.replace('\n', '\\u000a')), `audit.md does not show data/${JSON.stringify(p)} as code:\n${text}`);
    assert.ok(shown.includes('data/lakehouse/v|`w`*_.csv'), shown.join('\n'));
    assert.ok(shown.includes('a|b') && shown.includes('`x`'), 'the excluded paths');
  });

  it('shows the rule and reason beside a denial exactly, as text', () => {
    const line = text.split('\n').find((l) => l.startsWith('- **rogue**: read denied:'));
    assert.ok(line);
    assert.match(inline(line), / \(fs\.read\.deny "data\/\*\|\*": no \| way \*really\*\)$/);
  });

  it('keeps a table cell with | and * whole', () => {
    const row = html.match(/<tr>\s*<td>rogue<\/td>[\s\S]*?<\/tr>/)?.[0];
    assert.ok(row, html);
    const cells = [...row.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => decode(m[1] as string));
    assert.equal(cells.length, 10, row);
    assert.equal(cells[2], 'team|a*b_c');
  });

  it("gives each failed sleeve's reason: status, exit code, error, log and the last lines of its stderr", () => {
    const section = text.slice(text.indexOf('### Why sleeves did not end ok'));
    const item = section.split('\n').find((l) => l.startsWith('- **rogue**'));
    assert.ok(item, section);
    assert.equal(inline(item), '- rogue failed (exit 2): exit code 2; log: /ws/runs/rogue_1/logs/stderr.log');
    assert.match(html, /<blockquote>\s*<p>Error: no \*such\* \| file<\/p>/);
  });
});

describe('junit.xml suite name', () => {
  it('is the same in every batch, with the batch id and verdict as properties', () => {
    const a = parseJunit(renderJunit(report('batch_1', [sleeve('x')], { verdict: 'clean', exitCode: 0 })));
    const b = parseJunit(renderJunit(report('batch_2', [sleeve('x')], { verdict: 'clean', exitCode: 0 })));
    assert.equal(a.suite['@_name'], 'sleeve-sandbox');
    assert.equal(b.suite['@_name'], a.suite['@_name']);
    const props = (j: typeof a) => (j.suite as unknown as { properties: { property: Array<Record<string, string>> } }).properties.property;
    assert.deepEqual(props(a), [
      { '@_name': 'batchId', '@_value': 'batch_1' },
      { '@_name': 'verdict', '@_value': 'clean' },
    ]);
    assert.equal(props(b)[0]?.['@_value'], 'batch_2');
  });
});
