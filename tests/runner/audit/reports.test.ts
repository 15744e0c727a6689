/**
 * The reports of a batch (audit.json, audit.md, junit.xml, audit.sarif) as CI reads
 * them: the example workspace (copied to a temp dir) clean and with its rogue
 * sleeve, `audit verify` on good, tampered and missing reports,
 * $GITHUB_STEP_SUMMARY, a report written after SIGINT, and hostile text
 * (HTML, quotes, pipes, newlines) in denial paths.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditJsonSchema, auditReportSchema } from '../../../runner/audit/schema.js';
import { livingSleeveProcesses } from '../../helpers/procs.js';
import { makeTempDir, makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import {
  type BatchOutcome,
  childEnv,
  collect,
  junitCase,
  readOutcome,
  repoRoot,
  runBin,
  runMain,
  show,
  startBin,
  track,
  unescapeMarkdown,
  waitStarted,
} from './harness.js';

const EXAMPLE = path.join(repoRoot, 'examples', 'meta-portfolio');
const EXAMPLE_SLEEVES = ['ma_long', 'ma_short', 'mean_reversion', 'vol_target', 'momentum_py', 'low_vol_py'];

/** A private copy of the example workspace (without any runs/ or reports/ left in the repo). */
function copyExample(cleanups: Array<() => void>): string {
  const tmp = makeTempDir('sleeve-example-');
  cleanups.push(tmp.cleanup);
  const ws = path.join(tmp.dir, 'meta-portfolio');
  fs.cpSync(EXAMPLE, ws, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(EXAMPLE, src);
      return rel !== 'runs' && rel !== 'reports';
    },
  });
  return ws;
}

/** sha256 of every file under `dir`, by relative path. */
function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const abs = path.join(dir, rel);
    if (fs.lstatSync(abs).isFile()) out[rel] = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  }
  return out;
}

/** 1-based line and the columns (key, value) of `"key":` in a pretty-printed JSON text. */
function locate(text: string, key: string): { line: number; columns: number[] } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith(`"${key}":`));
  assert.ok(i >= 0, `no "${key}" in the text`);
  const l = lines[i] as string;
  const keyAt = l.indexOf(`"${key}"`);
  let valueAt = l.indexOf(':', keyAt + key.length + 2) + 1;
  while (l[valueAt] === ' ') valueAt++;
  return { line: i + 1, columns: [keyAt + 1, valueAt + 1] };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('audit reports: audit.json, audit.md and junit.xml as CI reads them', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  // The example mixes TypeScript and Python sleeves: the Python ones need the OS layer.
  describe('the example batch', { skip: needsOsLayer }, () => {
    let ws: string;
    let o: BatchOutcome;
    let summaryFile: string;
    let dataBefore: Record<string, string>;
    const earlier = '## an earlier step\n\nstill here\n';
    before(async () => {
      ws = copyExample(cleanups);
      dataBefore = digestTree(path.join(ws, 'data'));
      summaryFile = path.join(path.dirname(ws), 'step-summary.md');
      fs.writeFileSync(summaryFile, earlier);
      const run = await runBin(
        ['run', '--manifest', 'sleeve-manifest.json', '--policy', 'strict', '--concurrency', '2', '--json'],
        ws,
        childEnv({ GITHUB_STEP_SUMMARY: summaryFile }),
      );
      o = readOutcome(ws, run);
    });

    it('is clean with exit 0 and writes the three reports into reports/<batchId>/, and nothing else there', () => {
      assert.equal(o.run.code, 0, show(o.run));
      assert.equal(o.report.verdict, 'clean');
      assert.equal(o.report.exitCode, 0);
      assert.deepEqual(o.report.violations, []);
      const dir = path.join(ws, 'reports', o.report.batchId);
      assert.deepEqual(o.summary.reports, {
        json: path.join(dir, 'audit.json'),
        markdown: path.join(dir, 'audit.md'),
        junit: path.join(dir, 'junit.xml'),
        sarif: path.join(dir, 'audit.sarif'),
      });
      assert.deepEqual(fs.readdirSync(dir).sort(), ['audit.json', 'audit.md', 'audit.sarif', 'junit.xml'], 'no temp files left by the atomic writes');
      assert.deepEqual(
        o.report.sleeves.map((s) => [s.name, s.status, s.denials.length]),
        EXAMPLE_SLEEVES.map((n) => [n, 'ok', 0]),
      );
      for (const s of o.report.sleeves) {
        assert.ok(s.layers.includes('auditor'), `${s.name} layers ${JSON.stringify(s.layers)}`);
        assert.ok(
          s.artifacts.some((a) => a.path.endsWith('/report.json')),
          `${s.name} artifacts ${JSON.stringify(s.artifacts)}`,
        );
      }
      assert.deepEqual(digestTree(path.join(ws, 'data')), dataBefore, 'the lakehouse is byte-identical');
    });

    it('writes an audit.json that satisfies the zod schema and that `audit verify` accepts with exit 0', async () => {
      const parsed = auditReportSchema.safeParse(JSON.parse(fs.readFileSync(o.summary.reports.json, 'utf8')));
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
      const verify = await runBin(['audit', 'verify', '--json', o.summary.reports.json], ws);
      assert.equal(verify.code, 0, show(verify));
      assert.deepEqual(JSON.parse(verify.stdout), {
        file: o.summary.reports.json,
        valid: true,
        verdict: 'clean',
        weakened: [],
        sleeves: 6,
        violations: 0,
        exitCode: 0,
      });
    });

    it('ships a JSON Schema identical to the one generated from the zod schema', () => {
      const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schemas', 'audit.schema.json'), 'utf8')) as unknown;
      assert.deepEqual(shipped, auditJsonSchema());
    });

    it('writes a junit.xml with one passing testcase per sleeve plus workspace-integrity', () => {
      assert.equal(o.junit.suite['@_tests'], '7');
      assert.equal(o.junit.suite['@_failures'], '0');
      assert.equal(o.junit.suite['@_errors'], '0');
      assert.equal(o.junit.suites['@_tests'], '7');
      assert.deepEqual(
        o.junit.cases.map((c) => c['@_name']),
        [...EXAMPLE_SLEEVES, 'workspace-integrity'],
      );
      for (const c of o.junit.cases) {
        assert.ok(c['@_classname'], `${c['@_name']} has a classname`);
        assert.match(c['@_time'], /^\d+(\.\d+)?$/, `${c['@_name']} has a time`);
        assert.equal(c.failure, undefined);
        assert.equal(c.skipped, undefined);
      }
      assert.equal(junitCase(o.junit, 'ma_long')['@_classname'], 'sleeve-sandbox.strict');
    });

    it('writes an audit.md that starts with the verdict and lists every sleeve', () => {
      const lines = o.markdown.split('\n');
      assert.equal(lines[0], '## sleeve-sandbox audit: clean');
      assert.match(lines[2] ?? '', /^Verdict \*\*clean\*\* \(exit 0\)\. 6 sleeve\(s\), 0 violation\(s\), 0 denial\(s\)/);
      const plain = unescapeMarkdown(o.markdown);
      for (const s of o.report.sleeves) {
        assert.ok(plain.includes(`| ${s.name} | ${s.runId} | strict | ${s.mode} | yes | ok | 0 |`), `no row for ${s.name}`);
      }
      // The Python sleeves' refusals are not itemised, and the report says so.
      assert.ok(o.markdown.includes('### OS layer'));
      assert.ok(plain.includes('**momentum_py** runs a program that is not Node'));
      assert.ok(!o.markdown.includes('### Denials'));
      assert.ok(!o.markdown.includes('### Violations'));
    });

    it('appends audit.md to $GITHUB_STEP_SUMMARY, after what was already there', () => {
      assert.equal(fs.readFileSync(summaryFile, 'utf8'), earlier + o.markdown);
    });
  });

  describe('the rogue sleeve of the example', () => {
    let ws: string;
    let o: BatchOutcome;
    let dataBefore: Record<string, string>;
    before(async () => {
      ws = copyExample(cleanups);
      dataBefore = digestTree(path.join(ws, 'data'));
      const run = await runBin(['run', '--sleeve', 'rogue=sleeves/rogue.ts', '--policy', 'strict', '--concurrency', '2', '--json'], ws);
      o = readOutcome(ws, run);
    });

    it('gives verdict violations and exit 3, with both denials in audit.json and nothing changed on disk', async () => {
      assert.equal(o.run.code, 3, show(o.run));
      assert.equal(o.report.verdict, 'violations');
      const [rogue] = o.report.sleeves;
      assert.equal(rogue?.name, 'rogue');
      assert.equal(rogue?.status, 'failed');
      assert.deepEqual(
        rogue?.denials.map((d) => [d.op, d.path]),
        [
          ['read', 'data/lakehouse/portfolio_candidates.json'],
          ['write', 'data/lakehouse/ohlcv/AAPL.csv'],
        ],
      );
      assert.match(rogue?.denials[0]?.rule ?? '', /^fs\.read\.deny/);
      assert.match(rogue?.denials[0]?.reason ?? '', /strict isolation/);
      assert.deepEqual(o.report.violations, [], 'the guard stopped it: nothing for the auditor to find');
      assert.deepEqual(digestTree(path.join(ws, 'data')), dataBefore);
      const verify = await runBin(['audit', 'verify', o.summary.reports.json], ws);
      assert.equal(verify.code, 3, show(verify));
    });

    it('fails the rogue junit testcase with a message naming the denial, and passes workspace-integrity', () => {
      const c = junitCase(o.junit, 'rogue');
      assert.ok(c.failure, 'rogue testcase fails');
      assert.equal(c.failure['@_type'], 'denied');
      assert.match(c.failure['@_message'], /^2 denial\(s\): read denied: data\/lakehouse\/portfolio_candidates\.json \(fs\.read\.deny/);
      assert.ok(c.failure['#text']?.includes('write denied: data/lakehouse/ohlcv/AAPL.csv'), c.failure['#text']);
      assert.equal(junitCase(o.junit, 'workspace-integrity').failure, undefined);
      assert.equal(o.junit.suite['@_tests'], '2');
      assert.equal(o.junit.suite['@_failures'], '1');
    });

    it('lists both denials in audit.md with their rule and reason', () => {
      assert.equal(o.markdown.split('\n')[0], '## sleeve-sandbox audit: VIOLATIONS');
      const plain = unescapeMarkdown(o.markdown);
      assert.ok(plain.includes('### Denials'));
      for (const d of o.report.sleeves[0]?.denials ?? []) {
        const line = `- **rogue**: ${d.op} denied: \`${d.path}\` (${d.rule}: ${d.reason})`;
        assert.ok(plain.split('\n').includes(line), `audit.md lacks ${line}\n${o.markdown}`);
      }
    });
  });

  describe('audit verify on reports that are not valid', () => {
    let dir: string;
    let good: string;
    before(async () => {
      const tmp = makeTempDir('sleeve-verify-');
      cleanups.push(tmp.cleanup);
      dir = tmp.dir;
      // A real report to tamper with: the smallest clean batch.
      const ws = makeWorkspace();
      cleanups.push(ws.cleanup);
      writeTree(ws.dir, { 'sleeves/ok.mjs': "console.log('ok');\n" });
      const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.mjs', '--json'], ws.dir);
      good = readOutcome(ws.dir, run).summary.reports.json;
      assert.equal(run.code, 0, show(run));
    });

    it('exits 2 on a tampered verdict, naming the JSON path verdict at file:line:col', async () => {
      const report = JSON.parse(fs.readFileSync(good, 'utf8')) as Record<string, unknown>;
      report['verdict'] = 'bogus';
      const text = `${JSON.stringify(report, null, 2)}\n`;
      const file = path.join(dir, 'tampered.json');
      fs.writeFileSync(file, text);
      const verify = await runMain(['audit', 'verify', file], dir);
      assert.equal(verify.code, 2, show(verify));
      const { line, columns } = locate(text, 'verdict');
      const m = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+): error: verdict: .*"bogus"`).exec(verify.stderr);
      assert.ok(m, `no file:line:col diagnostic for verdict in\n${verify.stderr}`);
      assert.equal(Number(m[1]), line);
      assert.ok(columns.includes(Number(m[2])), `column ${m[2]}, expected one of ${columns.join(', ')}`);
      assert.equal(verify.stdout, '');
    });

    it('exits 2 on a missing file, naming it', async () => {
      const file = path.join(dir, 'no-such-audit.json');
      const verify = await runMain(['audit', 'verify', file], dir);
      assert.equal(verify.code, 2, show(verify));
      assert.match(verify.stderr, new RegExp(`${escapeRegExp(file)}:1:1: error: cannot read the report \\(ENOENT\\)`));
    });
  });

  describe('a batch interrupted by SIGINT', () => {
    let ws: string;
    let o: BatchOutcome;
    let sleevePids: number[] = [];
    let dirsAfter: string[] = [];
    before(async () => {
      const tmp = makeWorkspace();
      cleanups.push(tmp.cleanup);
      ws = tmp.dir;
      writeTree(ws, {
        'sleeves/long.mjs': [
          "import fs from 'node:fs';",
          "import path from 'node:path';",
          'const dir = process.env.SLEEVE_RUN_DIR;',
          "fs.writeFileSync(path.join(dir, 'started'), String(process.env.SLEEVE_NAME));",
          'await new Promise((r) => setTimeout(r, 60000));',
          '',
        ].join('\n'),
      });
      const child = startBin(['run', '--policy', 'strict', '--sleeve', 'long=sleeves/long.mjs', '--json'], ws);
      const done = collect(child, 30_000);
      try {
        const runDir = await waitStarted(ws, 'long', track(done));
        sleevePids = livingSleeveProcesses(runDir);
      } finally {
        child.kill('SIGINT');
      }
      const run = await done;
      dirsAfter = fs.readdirSync(path.join(ws, 'reports'));
      o = readOutcome(ws, run);
    });

    it('makes the runner exit with the code of its report, the sleeve gone', () => {
      assert.notEqual(o.run.code, null, show(o.run));
      assert.equal(o.run.code, o.report.exitCode);
      assert.equal(o.report.verdict, 'failed');
      assert.equal(o.run.code, 1);
      assert.ok(sleevePids.length > 0, 'the sleeve process was seen while it ran');
      assert.deepEqual(livingSleeveProcesses(ws), [], 'the sleeve process outlived the runner');
      for (const pid of sleevePids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `sleeve process ${pid} outlived the runner`);
    });

    it('leaves one complete audit.json that passes the schema, with the sleeve interrupted', () => {
      assert.equal(dirsAfter.length, 1);
      assert.deepEqual(fs.readdirSync(path.join(ws, 'reports', dirsAfter[0] as string)).sort(), ['audit.json', 'audit.md', 'audit.sarif', 'junit.xml']);
      const parsed = auditReportSchema.safeParse(JSON.parse(fs.readFileSync(o.summary.reports.json, 'utf8')));
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
      assert.equal(parsed.data.interrupted, 'SIGINT');
      assert.equal(parsed.data.sleeves[0]?.status, 'interrupted');
      assert.deepEqual(parsed.data.violations, []);
      assert.ok(junitCase(o.junit, 'long').failure, 'the interrupted sleeve fails in junit');
      assert.match(o.markdown, /Interrupted by SIGINT\./);
    });
  });

  describe('hostile text in denial paths', () => {
    const scriptPath = 'data/lakehouse/<script>&"x|y*.txt';
    const newlinePath = 'secrets/<img src=x onerror=alert(1)>\n# injected | heading';
    let o: BatchOutcome;
    before(async () => {
      const tmp = makeWorkspace();
      cleanups.push(tmp.cleanup);
      writeTree(tmp.dir, {
        'sleeves/evil.mjs': [
          "import fs from 'node:fs';",
          `try { fs.writeFileSync(${JSON.stringify(scriptPath)}, 'x'); } catch (e) { console.log(e.code); }`,
          `try { fs.readFileSync(${JSON.stringify(newlinePath)}); } catch (e) { console.log(e.code); }`,
          '',
        ].join('\n'),
      });
      const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'evil_name=sleeves/evil.mjs', '--json'], tmp.dir);
      o = readOutcome(tmp.dir, run);
      assert.equal(run.code, 3, show(run));
      assert.equal(fs.existsSync(path.join(tmp.dir, scriptPath)), false);
    });

    it('records both denials with their exact paths', () => {
      assert.deepEqual(
        o.report.sleeves[0]?.denials.map((d) => [d.op, d.path]),
        [
          ['write', scriptPath],
          ['read', newlinePath],
        ],
      );
    });

    it('keeps junit.xml well-formed and gives the paths back intact once parsed', () => {
      const c = junitCase(o.junit, 'evil_name');
      assert.ok(c.failure);
      assert.ok(c.failure['@_message'].includes(scriptPath), c.failure['@_message']);
      assert.ok(c.failure['#text']?.includes(scriptPath));
      assert.ok(c.failure['#text']?.includes('<img src=x onerror=alert(1)>'));
      const raw = fs.readFileSync(o.summary.reports.junit, 'utf8');
      assert.ok(!raw.includes('<script>'), 'no raw <script> element in junit.xml');
    });

    it('writes no raw HTML into audit.md and keeps each denial on one line', () => {
      assert.ok(!o.markdown.includes('<script>'), o.markdown);
      assert.ok(!o.markdown.includes('<img'), o.markdown);
      assert.ok(!o.markdown.split('\n').some((l) => l.startsWith('# injected')), 'a newline in a path started a heading');
      const denialLines = o.markdown.split('\n').filter((l) => l.startsWith('- **evil\\_name**'));
      assert.equal(denialLines.length, 2, o.markdown);
      const plain = unescapeMarkdown(o.markdown);
      assert.ok(plain.includes(`\`${scriptPath}\``), 'the path reads back once the Markdown escapes are undone');
      assert.ok(plain.includes(`\`${newlinePath.replace('\n', '\\u000a')}\``));
    });
  });
});
