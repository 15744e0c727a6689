/**
 * Honest verdicts through the real CLI: every weakened audit says so (exit 4),
 * the report dir is the runner's before any sleeve runs (an early `running`
 * report), a report dir the auditor could not see through is refused with
 * exit 2 and nothing made, a workspace policy that shadows a built-in is
 * named, and `audit verify` catches a real report edited to `clean`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AuditReport } from '../../../runner/audit/schema.js';
import { snapshotTree, suiteTemp } from '../../helpers/tmp.js';
import { collect, readOutcome, release, runBin, runMain, show, startBin, track, waitStarted } from './harness.js';

const OK = "console.log('ok');\n";
const DENIED = "import fs from 'node:fs';\ntry { fs.readFileSync('data/lakehouse/portfolio_candidates.json'); } catch {}\n";

const { workspace } = suiteTemp({ 'sleeves/ok.mjs': OK, 'sleeves/denied.mjs': DENIED });

describe('weakened audits are never clean', () => {
  const cases: Array<[string, string[], string, number, RegExp | undefined]> = [
    ['the full audit', [], 'clean', 0, undefined],
    ['--no-audit', ['--no-audit'], 'unaudited', 4, undefined],
    ['--no-hash', ['--no-hash'], 'partial', 4, /--no-hash/],
    ["--audit-ignore 'data/lakehouse/**'", ['--audit-ignore', 'data/lakehouse/**'], 'partial', 4, /leaves part of the protected zone "data\/lakehouse\/\*\*"/],
    ["--audit-ignore 'data/**'", ['--audit-ignore', 'data/**'], 'partial', 4, /protected zone/],
    ["--audit-ignore 'scratch/**' (beside every protected zone)", ['--audit-ignore', 'scratch/**'], 'clean', 0, undefined],
  ];
  for (const [title, args, verdict, code, says] of cases) {
    it(`${title}: verdict ${verdict}, exit ${code}, and audit verify agrees`, async () => {
      const ws = workspace();
      const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'a=sleeves/ok.mjs', '--json', ...args], ws);
      const o = readOutcome(ws, run);
      assert.equal(run.code, code, show(run));
      assert.equal(o.report.verdict, verdict);
      assert.equal(o.report.exitCode, code);
      assert.match(run.stderr, new RegExp(`verdict ${verdict}`));
      if (says) {
        assert.ok(
          o.report.weakened.some((w) => says.test(w)),
          JSON.stringify(o.report.weakened),
        );
        assert.match(run.stderr, /not proven: /);
        assert.match(o.markdown, /Why this is not proven clean/);
      } else assert.deepEqual(o.report.weakened, []);
      assert.equal(o.report.integrity.audited, !args.includes('--no-audit'));
      const verify = await runBin(['audit', 'verify', o.summary.reports.json], ws);
      assert.equal(verify.code, code, show(verify));
    });
  }
  it('lists everything left out of the audit', async () => {
    const ws = workspace();
    const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'a=sleeves/ok.mjs', '--json', '--audit-ignore', 'scratch/**'], ws);
    const o = readOutcome(ws, run);
    assert.deepEqual(o.report.integrity.excluded, ['.git', 'node_modules', 'scratch/**', 'reports']);
  });
});

describe('the report dir is the runner’s', () => {
  it('holds an early audit.json with verdict running while the first sleeve runs, replaced at the end', async () => {
    const ws = workspace({
      'sleeves/wait.mjs': [
        "import fs from 'node:fs';",
        'const dir = process.env.SLEEVE_RUN_DIR;',
        "fs.writeFileSync(dir + '/started', 'wait');",
        "while (!fs.existsSync(dir + '/go')) await new Promise((r) => setTimeout(r, 20));",
        "fs.rmSync(dir + '/go');",
        '',
      ].join('\n'),
    });
    const child = startBin(['run', '--policy', 'strict', '--sleeve', 'wait=sleeves/wait.mjs', '--json', '--report-dir', 'out/r'], ws);
    const done = collect(child, 60_000);
    const runDir = await waitStarted(ws, 'wait', track(done));
    const early = JSON.parse(fs.readFileSync(path.join(ws, 'out/r/audit.json'), 'utf8')) as AuditReport;
    assert.equal(early.verdict, 'running');
    assert.equal(early.exitCode, null);
    assert.deepEqual(
      early.sleeves.map((s) => [s.name, s.status]),
      [['wait', 'queued']],
    );
    const st = fs.statSync(path.join(ws, 'out/r'));
    assert.equal(st.uid, process.getuid?.());
    assert.equal(st.mode & 0o777, 0o755);
    const verifyEarly = await runBin(['audit', 'verify', path.join(ws, 'out/r/audit.json')], ws);
    assert.equal(verifyEarly.code, 4, show(verifyEarly));
    assert.match(verifyEarly.stdout, /verdict running \(the batch never finished/);
    release(runDir);
    const run = await done;
    assert.equal(run.code, 0, show(run));
    assert.equal(readOutcome(ws, run).report.verdict, 'clean');
  });
  const refused: Array<[string, string, RegExp]> = [
    ['inside the protected lakehouse', 'data/lakehouse/reports', /protected zone "data\/lakehouse\/\*\*"/],
    ['the workspace itself', '.', /the workspace itself/],
    ['inside the run root', 'runs/reports', /run root/],
  ];
  for (const [title, dir, says] of refused) {
    it(`refuses --report-dir ${title} with exit 2, and makes nothing`, async () => {
      const ws = workspace();
      const before = snapshotTree(ws);
      const run = await runMain(['run', '--policy', 'strict', '--sleeve', 'a=sleeves/ok.mjs', '--report-dir', dir], ws);
      assert.equal(run.code, 2, show(run));
      assert.match(run.stderr, says);
      assert.match(run.stderr, /--report-dir/);
      assert.deepEqual(snapshotTree(ws), before, 'the workspace changed');
    });
  }
  it('refuses a report dir in the write zone of a sleeve', async () => {
    const ws = workspace({
      'policies/outward.json': JSON.stringify({
        version: 1,
        name: 'outward',
        extends: 'strict',
        fs: { write: { allow: ['out/**'] } },
        acknowledge: ['write-outside-runs'],
      }),
    });
    const run = await runMain(['run', '--policy', 'policies/outward.json', '--sleeve', 'a=sleeves/ok.mjs', '--report-dir', 'out/reports'], ws);
    assert.equal(run.code, 2, show(run));
    assert.match(run.stderr, /write zone of sleeve a \(policy outward/);
  });
});

describe('a workspace policy that shadows a built-in', () => {
  let ws: string;
  let o: ReturnType<typeof readOutcome>;
  before(async () => {
    const builtin = fs.readFileSync(path.join(process.cwd(), 'policies', 'strict.json'), 'utf8');
    ws = workspace({ 'policies/strict.json': builtin.replace('"description": "', '"description": "(workspace copy) ') });
    const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'a=sleeves/ok.mjs', '--json'], ws);
    o = readOutcome(ws, run);
  });
  it('is named on stderr and in the report, with the sha256 of each file of its chain', () => {
    assert.match(o.run.stderr, /policy "strict" comes from the workspace \(.*policies\/strict\.json\), which shadows the built-in "strict"/);
    const src = o.report.sleeves[0]?.policySource;
    assert.equal(src?.shadows, 'strict');
    assert.equal(src?.chain[0]?.kind, 'workspace');
    assert.match(src?.chain[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.match(o.markdown, /which shadows the built-in `strict`/);
  });
  it('is a lint warning, shadows-builtin', async () => {
    const lint = await runBin(['policy', 'lint', 'policies/strict.json'], ws);
    assert.match(lint.stdout + lint.stderr, /shadows the built-in policy "strict".*\[shadows-builtin\]/);
  });
});

describe('audit verify on a real report edited to clean', () => {
  it('exits 2 and names verdict, where the schema alone would accept it', async () => {
    const ws = workspace();
    const run = await runBin(['run', '--policy', 'strict', '--sleeve', 'd=sleeves/denied.mjs', '--json'], ws);
    assert.equal(run.code, 3, show(run));
    const file = readOutcome(ws, run).summary.reports.json;
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as AuditReport;
    report.verdict = 'clean';
    report.exitCode = 0;
    const edited = path.join(ws, 'edited.json');
    fs.writeFileSync(edited, `${JSON.stringify(report, null, 2)}\n`);
    const verify = await runMain(['audit', 'verify', edited], ws);
    assert.equal(verify.code, 2, show(verify));
    assert.match(
      verify.stderr,
      /:\d+:\d+: error: verdict: inconsistent report: expected "violations" from the report's own contents \(0 violation\(s\), 1 denial\(s\)/,
    );
  });
});
