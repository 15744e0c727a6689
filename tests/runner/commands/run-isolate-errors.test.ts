/**
 * What the runner shows of an error a sleeve threw in isolate mode, end to
 * end through `sleeve-sandbox run --mode isolate`: the sleeve's stderr log,
 * audit.json's stderrTail and the terminal summary's reason carry the error's
 * name and message and the file:line of the sleeve's own TypeScript source.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { runBin, show } from '../audit/harness.js';

describe('isolate mode: an uncaught error in what the runner prints', () => {
  let ws: { dir: string; cleanup: () => void };
  let reports: { dir: string; cleanup: () => void };
  before(() => {
    ws = makeWorkspace();
    reports = makeTempDir('sleeve-iso-errors-');
  });
  after(() => {
    ws.cleanup();
    reports.cleanup();
  });

  it('names the error, its message and the TypeScript file:line in the log, audit.json and the summary', async () => {
    writeTree(ws.dir, {
      'sleeves/bad/main.ts': `import { total } from './sum.ts';
export default async function (ctx: { fs: { readText(p: string): Promise<string> } }): Promise<void> {
  const text = await ctx.fs.readText('data/lakehouse/AAPL.csv');
  total(text.split('\\n'));
}
`,
      'sleeves/bad/sum.ts': `type Cell = string | undefined;
export function total(lines: Cell[]): number {
  let sum = 0;
  for (const line of lines) {
    const value: number = Number(line?.split(',')[1]);
    if (Number.isNaN(value)) {
      throw new SyntaxError(\`not a number: \${line}\`);
    }
    sum += value;
  }
  return sum;
}
`,
    });
    const r = await runBin(
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
        'bad=sleeves/bad/main.ts',
        '--report-dir',
        reports.dir,
      ],
      ws.dir,
    );
    assert.equal(r.code, 1, show(r));
    const sum = path.join(ws.dir, 'sleeves', 'bad', 'sum.ts');
    const report = JSON.parse(fs.readFileSync(path.join(reports.dir, 'audit.json'), 'utf8')) as {
      sleeves: Array<{ status: string; runDir: string; stderrTail?: string[] }>;
    };
    const s = report.sleeves[0];
    assert.equal(s?.status, 'failed');
    const log = fs.readFileSync(path.join(s.runDir, 'logs', 'stderr.log'), 'utf8');
    assert.ok(log.startsWith(`file://${sum}:7\n      throw new SyntaxError(\`not a number: \${line}\`);\n`), log);
    assert.match(log, /^SyntaxError: not a number: date,close$/m);
    assert.ok(log.includes(`at total (file://${sum}:7:13)`), log);
    // (the compiler names an anonymous default export main_default: the position is what matters)
    assert.ok(log.includes(`(file://${path.join(ws.dir, 'sleeves', 'bad', 'main.ts')}:4:3)`), log);
    assert.ok(s.stderrTail?.includes(`file://${sum}:7`), JSON.stringify(s.stderrTail));
    assert.ok(s.stderrTail?.includes('SyntaxError: not a number: date,close'), JSON.stringify(s.stderrTail));
    // The terminal summary's reason: the lines that say what happened (stack frames left out).
    assert.ok(r.stderr.includes(`    | file://${sum}:7`), r.stderr);
    assert.ok(r.stderr.includes('    | SyntaxError: not a number: date,close'), r.stderr);
  });
});
