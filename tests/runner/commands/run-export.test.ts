/**
 * `run --export zip` through the real CLI: one zip per run dir, after the
 * audit (the verdict stays clean: the auditor never counts the zips), its
 * size and sha256 in audit.json, its content the run dir's byte for byte;
 * `--export-dir` outside the workspace; bad export settings refused with exit
 * 2 before anything runs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import yauzl from 'yauzl';
import { suiteTemp, writeTree } from '../../helpers/tmp.js';
import { readOutcome, runBin, runMain, show } from '../audit/harness.js';

const WRITER = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
fs.writeFileSync(path.join(dir, 'out', 'result.json'), JSON.stringify({ sleeve: process.env.SLEEVE_NAME }));
console.log('hello from', process.env.SLEEVE_NAME);
`;

/** name -> bytes of every file entry of a zip. */
function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, strictFileNames: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            out.set(e.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** `<runId>/rel` -> bytes of every regular file under the run dir. */
function filesOf(runDir: string): Map<string, Buffer> {
  const runId = path.basename(runDir);
  const out = new Map<string, Buffer>();
  for (const rel of fs.readdirSync(runDir, { recursive: true }).map(String)) {
    const abs = path.join(runDir, rel);
    if (fs.lstatSync(abs).isFile()) out.set(`${runId}/${rel.split(path.sep).join('/')}`, fs.readFileSync(abs));
  }
  return out;
}

describe('run --export zip', () => {
  const { workspace, tempDir } = suiteTemp({ 'sleeves/writer.mjs': WRITER });

  it('writes one zip per run dir under <report dir>/artifacts after the audit; the verdict stays clean; audit.json has sizes and sha256', async () => {
    const ws = workspace();
    const run = await runBin(
      ['run', '--workspace', ws, '--policy', 'strict', '--sleeve', 'a=sleeves/writer.mjs', '--sleeve', 'b=sleeves/writer.mjs', '--export', 'zip', '--json'],
      ws,
    );
    assert.equal(run.code, 0, show(run));
    const o = readOutcome(ws, run);
    assert.equal(o.report.verdict, 'clean', show(run));
    const x = o.report.export;
    assert.ok(x);
    assert.equal(x.error, undefined);
    assert.equal(x.dir, path.join(path.dirname(o.summary.reports.json), 'artifacts'));
    assert.deepEqual(
      x.zips.map((z) => z.sleeve),
      ['a', 'b'],
    );
    for (const z of x.zips) {
      const runDir = o.runDirs.get(z.sleeve) as string;
      assert.equal(z.file, path.join(x.dir, `${path.basename(runDir)}.zip`));
      assert.equal(z.size, fs.statSync(z.file).size);
      assert.equal(z.sha256, createHash('sha256').update(fs.readFileSync(z.file)).digest('hex'));
      assert.deepEqual(await unzip(z.file), filesOf(runDir), 'the zip holds the run dir byte for byte (logs included)');
      assert.deepEqual(z.skipped, []);
    }
    assert.match(run.stderr, /artifacts: 2 zip\(s\) in /);
  });

  it('writes to an --export-dir outside the workspace', async () => {
    const ws = workspace();
    const dir = path.join(tempDir('sleeve-export-out-'), 'zips');
    const run = await runBin(
      ['run', '--workspace', ws, '--policy', 'strict', '--sleeve', 'a=sleeves/writer.mjs', '--export', 'zip', '--export-dir', dir, '--json'],
      ws,
    );
    assert.equal(run.code, 0, show(run));
    const o = readOutcome(ws, run);
    assert.equal(o.report.export?.dir, dir);
    assert.deepEqual(fs.readdirSync(dir), [`${path.basename(o.runDirs.get('a') as string)}.zip`]);
  });

  it('fails the run (exit 1, verdict unchanged) when the files pass --export-limit, writing no zip', async () => {
    const ws = workspace();
    writeTree(ws, {
      'sleeves/big.mjs': "import fs from 'node:fs';\nfs.writeFileSync(process.env.SLEEVE_RUN_DIR + '/big.bin', Buffer.alloc(2 * 1024 * 1024));\n",
    });
    const run = await runBin(
      ['run', '--workspace', ws, '--policy', 'strict', '--sleeve', 'a=sleeves/big.mjs', '--export', 'zip', '--export-limit', '1', '--json'],
      ws,
    );
    assert.equal(run.code, 1, show(run));
    const o = readOutcome(ws, run);
    assert.equal(o.report.verdict, 'clean');
    assert.match(o.report.export?.error ?? '', /past the export cap of 1048576 bytes: nothing was exported; raise --export-limit/);
    assert.equal(fs.existsSync(o.report.export?.dir as string), false);
    assert.match(run.stderr, /export: the run dirs hold/);
  });

  it('refuses bad export settings with exit 2 before anything runs', async () => {
    const ws = workspace();
    const cases: Array<[string[], RegExp]> = [
      [['--export', 'tar'], /--export must be "zip", got "tar"/],
      [['--export-dir', 'out'], /--export-dir needs --export zip/],
      [['--export', 'zip', '--export-dir', 'runs/zips'], /--export-dir "runs\/zips" \(runs\/zips\) overlaps the run root runs\//],
      [
        ['--export', 'zip', '--export-dir', 'data/lakehouse/zips'],
        /--export-dir "data\/lakehouse\/zips" \(data\/lakehouse\/zips\) overlaps the protected zone "data\/lakehouse\/\*\*"/,
      ],
      [['--export', 'zip', '--export-dir', '.'], /--export-dir "\." is the workspace itself/],
    ];
    for (const [flags, message] of cases) {
      const run = await runMain(['run', '--workspace', ws, '--policy', 'strict', '--sleeve', 'a=sleeves/writer.mjs', ...flags], ws);
      assert.equal(run.code, 2, `${flags.join(' ')}\n${show(run)}`);
      assert.match(run.stderr, message, flags.join(' '));
    }
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs')), [], 'nothing ran');
  });
});
