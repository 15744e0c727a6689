/**
 * `sleeve-sandbox vendor`: real packages this project already installs (zod,
 * an ES module package; picomatch, CommonJS) are bundled beside a sleeve and
 * run in isolate mode, computing what the packages compute in Node; a package
 * that needs Node built-ins (chokidar) and bad input are refused with exit 2
 * and a message that names the cause and the fix, and nothing is written.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import picomatch from 'picomatch';
import { z } from 'zod';
import { vendorFileName } from '../../../runner/commands/vendor.js';
import { makeTempDir, makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { repoRoot, runBin, runMain, show } from '../../helpers/cli.js';

const SLEEVE = `import { z } from './vendor/zod.mjs';
import picomatch from './vendor/picomatch.mjs';
export default async function (ctx) {
  const Row = z.object({ date: z.string().regex(/^\\d{4}-\\d{2}-\\d{2}$/), close: z.coerce.number().positive() });
  const text = await ctx.fs.readText('data/lakehouse/AAPL.csv');
  const [, ...lines] = text.trim().split('\\n');
  const rows = lines.map((l) => { const [date, close] = l.split(','); return Row.safeParse({ date, close }); });
  const bad = Row.safeParse({ date: 'yesterday', close: -1 });
  const isCsv = picomatch('data/**/*.csv');
  await ctx.fs.writeJson(ctx.runDir + '/out.json', {
    rows: rows.map((r) => (r.success ? r.data : null)),
    badIssues: bad.success ? [] : bad.error.issues.map((i) => [i.path.join('.'), i.code]),
    matches: ['data/lakehouse/AAPL.csv', 'data/x.json', 'data/a/b/c.csv'].map((p) => isCsv(p)),
    scan: picomatch.scan('data/**/*.csv').base,
  });
}
`;

describe('sleeve-sandbox vendor', () => {
  let ws: { dir: string; cleanup: () => void };
  let reports: { dir: string; cleanup: () => void };
  before(() => {
    ws = makeWorkspace();
    reports = makeTempDir('sleeve-vendor-reports-');
  });
  after(() => {
    ws.cleanup();
    reports.cleanup();
  });

  it('bundles zod (ES modules) and picomatch (CommonJS) beside a sleeve, which then runs in isolate mode as they run in Node', async () => {
    const into = path.join(ws.dir, 'sleeves', 'v', 'vendor');
    for (const pkg of ['zod', 'picomatch']) {
      const r = await runBin(['vendor', pkg, '--into', into, '--from', repoRoot, '--json'], ws.dir);
      assert.equal(r.code, 0, show(r));
      const said = JSON.parse(r.stdout) as { package: string; file: string; version: string };
      assert.equal(said.file, path.join(into, vendorFileName(pkg)));
      const text = fs.readFileSync(said.file, 'utf8');
      assert.match(text, new RegExp(`^// ${pkg}@${said.version.replace(/\./g, '\\.')} \\(MIT\\)`));
      assert.doesNotMatch(text, /^import .* from ['"]/m, 'the bundle imports something outside itself');
    }
    writeTree(ws.dir, { 'sleeves/v/main.mjs': SLEEVE });
    const run = await runBin(
      [
        'run',
        '--policy',
        'strict',
        '--mode',
        'isolate',
        '--os-layer',
        'off',
        '--workspace',
        ws.dir,
        '--sleeve',
        'v=sleeves/v/main.mjs',
        '--report-dir',
        reports.dir,
        '--json',
      ],
      ws.dir,
    );
    assert.equal(run.code, 0, show(run));
    const runs = fs.readdirSync(path.join(ws.dir, 'runs')).filter((d) => !d.startsWith('.'));
    assert.equal(runs.length, 1);
    const got = JSON.parse(fs.readFileSync(path.join(ws.dir, 'runs', runs[0] as string, 'out.json'), 'utf8')) as unknown;

    // The same computation with the packages as Node loads them.
    const Row = z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), close: z.coerce.number().positive() });
    const text = fs.readFileSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), 'utf8');
    const [, ...lines] = text.trim().split('\n');
    const bad = Row.safeParse({ date: 'yesterday', close: -1 });
    const isCsv = picomatch('data/**/*.csv');
    const expected = {
      rows: lines.map((l) => {
        const [date, close] = l.split(',');
        const r = Row.safeParse({ date, close });
        return r.success ? r.data : null;
      }),
      badIssues: bad.success ? [] : bad.error.issues.map((i) => [i.path.join('.'), i.code]),
      matches: ['data/lakehouse/AAPL.csv', 'data/x.json', 'data/a/b/c.csv'].map((p) => isCsv(p)),
      scan: picomatch.scan('data/**/*.csv').base,
    };
    assert.deepEqual(got, expected);
    assert.ok((expected.rows as unknown[]).length > 0 && (expected.badIssues as unknown[]).length === 2);
  });

  it('refuses a package that needs Node built-ins, naming the built-in, the importer and the fix; writes nothing', async () => {
    const into = path.join(ws.dir, 'sleeves', 'w', 'vendor');
    const r = await runBin(['vendor', 'chokidar', '--into', into, '--from', repoRoot], ws.dir);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /chokidar needs the Node built-in "node:fs" \(imported by node_modules\/chokidar\/[\w/.-]+\): isolate mode has no Node API/);
    assert.match(r.stderr, /run the sleeve in process mode/);
    assert.equal(fs.existsSync(into), false);
  });

  it('refuses bad input with exit 2: a package that is not installed, a Node built-in, something that is not a package name', async () => {
    const into = path.join(ws.dir, 'sleeves', 'x', 'vendor');
    const missing = await runMain(['vendor', 'no-such-package-here', '--into', into, '--from', ws.dir], ws.dir);
    assert.equal(missing.code, 2, show(missing));
    assert.match(
      missing.stderr,
      /cannot find the package no-such-package-here from .*: install it there first \(npm install --save-exact no-such-package-here\)/,
    );
    const builtin = await runMain(['vendor', 'node:fs', '--into', into], ws.dir);
    assert.equal(builtin.code, 2, show(builtin));
    assert.match(builtin.stderr, /node:fs is a Node built-in, which isolate mode does not have/);
    const path_ = await runMain(['vendor', '../../etc/passwd', '--into', into], ws.dir);
    assert.equal(path_.code, 2, show(path_));
    assert.match(path_.stderr, /is not a package name/);
    const noInto = await runMain(['vendor', 'zod'], ws.dir);
    assert.equal(noInto.code, 2, show(noInto));
    assert.match(noInto.stderr, /--into/);
    assert.equal(fs.existsSync(into), false);
  });
});
