/**
 * `--export zip` in-process over real directories: each zip is read back with
 * yauzl and compared with the run dir byte for byte; two exports of one dir
 * have one sha256; hostile content (links out, names an extractor would
 * misread, past the cap) is never stored and says why.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import yauzl from 'yauzl';
import { MAX_NAME_BYTES, entryNameProblem, exportRunDirs } from '../../../runner/batch/export-zip.js';
import { exportReportSchema } from '../../../runner/audit/schema.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

interface ZipEntry {
  name: string;
  dir: boolean;
  mode: number;
  dosDate: number;
  dosTime: number;
  extra: number;
  data: Buffer;
}

/** Every entry of a zip, in stored order, with its bytes. */
function readZip(file: string): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ZipEntry[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        const base = {
          name: e.fileName,
          dir: e.fileName.endsWith('/'),
          mode: (e.externalFileAttributes >>> 16) & 0o177777,
          dosDate: e.lastModFileDate,
          dosTime: e.lastModFileTime,
          extra: e.extraFields.length,
        };
        if (base.dir) {
          out.push({ ...base, data: Buffer.alloc(0) });
          zip.readEntry();
          return;
        }
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push({ ...base, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The run dir as the zip should hold it: `<runId>/rel` -> bytes (directories: empty, name ending in /). */
function treeOf(dir: string, runId: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>([[`${runId}/`, Buffer.alloc(0)]]);
  const walk = (abs: string, rel: string) => {
    for (const name of fs.readdirSync(abs)) {
      const a = path.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(a);
      if (st.isDirectory()) {
        out.set(`${runId}/${r}/`, Buffer.alloc(0));
        walk(a, r);
      } else if (st.isFile()) out.set(`${runId}/${r}`, fs.readFileSync(a));
    }
  };
  walk(dir, '');
  return out;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('export: one zip per run dir', () => {
  const tmp = makeTempDir('sleeve-export-');
  after(tmp.cleanup);
  const runDir = path.join(tmp.dir, 'ws', 'runs', 'r-one');
  writeTree(runDir, {
    'out/result.json': '{"ok":true}\n',
    'out/deep/b.bin': '\u0000\u0001\u0002 binary',
    'logs/stdout.log': 'hello\n',
    'empty.txt': '',
    'Zeta.csv': 'a,b\n1,2\n'.repeat(5000),
    'été/naïve.txt': 'utf-8 names stay\n',
  });
  fs.mkdirSync(path.join(runDir, 'tmp'));
  fs.chmodSync(path.join(runDir, 'Zeta.csv'), 0o600);

  it('stores every file and directory, byte for byte, sorted, under <runId>/, with fixed times and modes', async () => {
    const report = await exportRunDirs({ dir: path.join(tmp.dir, 'a'), limitBytes: 1 << 20, runs: [{ sleeve: 'one', runId: 'r-one', runDir }] });
    exportReportSchema.parse(report);
    assert.equal(report.error, undefined);
    const [z] = report.zips;
    assert.ok(z);
    assert.equal(z.file, path.join(tmp.dir, 'a', 'r-one.zip'));
    assert.equal(z.size, fs.statSync(z.file).size);
    assert.equal(z.sha256, sha(z.file));
    const entries = await readZip(z.file);
    const want = treeOf(runDir, 'r-one');
    assert.deepEqual(new Map(entries.map((e) => [e.name, e.data])), want);
    assert.equal(z.entries, want.size);
    const names = entries.map((e) => e.name);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
      'sorted by bytes',
    );
    for (const e of entries) {
      assert.equal(e.mode, e.dir ? 0o040755 : 0o100644, e.name);
      assert.equal(e.extra, 0, `${e.name}: no extended timestamp`);
      assert.deepEqual([e.dosDate, e.dosTime], [(0 << 9) | (1 << 5) | 1, 0], `${e.name}: 1980-01-01 00:00`);
      assert.ok(!path.isAbsolute(e.name) && !e.name.split('/').includes('..'));
    }
    assert.ok(z.size < (want.get('r-one/Zeta.csv') as Buffer).length, 'deflated');
  });

  it('gives the same sha256 for two exports of the same dir, whatever the mtimes', async () => {
    const first = await exportRunDirs({ dir: path.join(tmp.dir, 'b1'), limitBytes: 1 << 20, runs: [{ sleeve: 'one', runId: 'r-one', runDir }] });
    fs.utimesSync(path.join(runDir, 'out', 'result.json'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await exportRunDirs({ dir: path.join(tmp.dir, 'b2'), limitBytes: 1 << 20, runs: [{ sleeve: 'one', runId: 'r-one', runDir }] });
    assert.equal(first.zips[0]?.sha256, second.zips[0]?.sha256);
    assert.deepEqual(fs.readFileSync(first.zips[0]?.file as string), fs.readFileSync(second.zips[0]?.file as string));
  });

  it('never overwrites a zip that is already there (the report says why)', async () => {
    const dir = path.join(tmp.dir, 'c');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'r-one.zip'), 'planted');
    const report = await exportRunDirs({ dir, limitBytes: 1 << 20, runs: [{ sleeve: 'one', runId: 'r-one', runDir }] });
    assert.match(report.error ?? '', /EEXIST/);
    assert.equal(fs.readFileSync(path.join(dir, 'r-one.zip'), 'utf8'), 'planted');
    assert.deepEqual(fs.readdirSync(dir), ['r-one.zip'], 'no partial file left');
  });
});

describe('export: a hostile run dir', () => {
  const tmp = makeTempDir('sleeve-export-hostile-');
  after(tmp.cleanup);
  const runDir = path.join(tmp.dir, 'runs', 'r-bad');
  const outside = path.join(tmp.dir, 'secret.txt');
  fs.writeFileSync(outside, 'outside the run dir\n');
  writeTree(runDir, {
    'ok.txt': 'kept\n',
    '..evil': 'a name that starts with dots is just a name\n',
    'a..b/c': 'dots inside are fine\n',
    '..\\..\\escape.txt': 'a backslash climbs out on Windows\n',
    'C:drive.txt': 'a drive letter\n',
    'new\nline.txt': 'a control character\n',
    [`${'n'.repeat(255)}`]: 'a long but legal name\n',
  });
  // A path past MAX_NAME_BYTES: nested directories of 255-byte names.
  let deep = runDir;
  const seg = 'd'.repeat(250);
  for (let i = 0; i < Math.ceil(MAX_NAME_BYTES / 251) + 1; i++) deep = path.join(deep, seg);
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, 'x'), 'too deep\n');
  fs.symlinkSync(outside, path.join(runDir, 'link-to-secret'));
  fs.symlinkSync(tmp.dir, path.join(runDir, 'link-to-dir'));
  fs.symlinkSync('/etc/passwd', path.join(runDir, 'abs-link'));
  const raw = Buffer.concat([Buffer.from(runDir), Buffer.from('/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
  fs.writeFileSync(raw, 'not utf-8\n');

  it('stores no link, no misreadable name, and lists each as skipped with why', async () => {
    const report = await exportRunDirs({ dir: path.join(tmp.dir, 'out'), limitBytes: 1 << 20, runs: [{ sleeve: 'bad', runId: 'r-bad', runDir }] });
    assert.equal(report.error, undefined);
    const [z] = report.zips;
    assert.ok(z);
    const entries = await readZip(z.file); // strictFileNames: yauzl itself refuses absolute, .. and backslash names
    const names = entries.map((e) => e.name);
    for (const n of names) assert.equal(entryNameProblem(n.replace(/\/$/, '')), undefined, n);
    assert.ok(names.includes('r-bad/ok.txt') && names.includes('r-bad/..evil') && names.includes('r-bad/a..b/c') && names.includes(`r-bad/${'n'.repeat(255)}`));
    assert.ok(!names.some((n) => n.includes('link') || n.includes('secret') || n.includes('passwd')), names.join(', '));
    assert.ok(!entries.some((e) => e.data.toString().includes('outside the run dir')));
    const why = new Map(z.skipped.map((s) => [s.path, s.why]));
    assert.match(why.get('link-to-secret') ?? '', /symbolic link/);
    assert.match(why.get('link-to-dir') ?? '', /symbolic link/);
    assert.match(why.get('abs-link') ?? '', /symbolic link/);
    assert.match(why.get('..\\..\\escape.txt') ?? '', /backslash/);
    assert.match(why.get('C:drive.txt') ?? '', /drive-letter/);
    assert.match(why.get('new\nline.txt') ?? '', /control character/);
    assert.ok(
      [...why.entries()].some(([p, w]) => p.startsWith('bad-') && /not UTF-8/.test(w)),
      [...why.keys()].join(', '),
    );
    assert.ok([...why.entries()].some(([p, w]) => p.startsWith('ddd') && /longer than 1024/.test(w)));
    assert.ok(!names.some((n) => n.endsWith('/x')), 'nothing below the bound');
  });

  it('refuses names an extractor could misread (pure rule)', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'C:/x', 'c:x', 'a\\b', 'a\u0000b', 'x\ufffd', 'y'.repeat(MAX_NAME_BYTES + 1)]) {
      assert.notEqual(entryNameProblem(bad), undefined, JSON.stringify(bad));
    }
    for (const good of ['a', '..a', 'a..', 'a/b..c/d', 'été', 'ab:c', 'y'.repeat(MAX_NAME_BYTES)]) assert.equal(entryNameProblem(good), undefined, good);
  });

  it('writes nothing past the size cap, and says how to raise it', async () => {
    const dir = path.join(tmp.dir, 'capped');
    const report = await exportRunDirs({ dir, limitBytes: 64, runs: [{ sleeve: 'bad', runId: 'r-bad', runDir }] });
    assert.match(report.error ?? '', /past the export cap of 64 bytes: nothing was exported; raise --export-limit/);
    assert.deepEqual(report.zips, []);
    assert.equal(fs.existsSync(dir), false);
  });
});
