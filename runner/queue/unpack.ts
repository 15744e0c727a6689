/**
 * A worker's zip of one run dir, checked before anything of it touches the
 * submitter's disk: the sha256 and size the result claims, then every entry
 * read into memory, refused whole when one entry escapes `<runId>/` (an
 * absolute name, "..", a backslash, a drive letter, control characters: the
 * names export-zip.ts itself refuses to write), is a symbolic link or anything
 * but a file or directory, or when the bytes pass the cap (a zip bomb).
 * `writeUnpacked` then creates the run dir (never over an existing one) and
 * writes each file exclusively (O_EXCL | O_NOFOLLOW).
 */
import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { entryNameProblem } from '../batch/export-zip.js';
import { sha256Hex } from './hash.js';

export interface Unpacked {
  runId: string;
  dirs: string[];
  files: Array<{ name: string; data: Buffer }>;
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** Verifies and reads the zip; throws an Error saying what was refused. */
export async function unpackZip(zip: Buffer, want: { sha256: string; size: number; runId: string; limitBytes: number }): Promise<Unpacked> {
  if (zip.length !== want.size) throw new Error(`the zip is ${zip.length} bytes, not the ${want.size} the worker announced`);
  const got = sha256Hex(zip);
  if (got !== want.sha256) throw new Error(`the zip's sha256 is ${got}, not the ${want.sha256} the worker announced`);
  if (zip.length > want.limitBytes) throw new Error(`the zip is ${zip.length} bytes, past the artifact cap of ${want.limitBytes} bytes`);
  const zf = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true, decodeStrings: true }, (e, z) =>
      e ? reject(e) : resolve(z as yauzl.ZipFile),
    ),
  );
  const out: Unpacked = { runId: want.runId, dirs: [], files: [], bytes: 0 };
  const prefix = `${want.runId}/`;
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      zf.close();
      reject(new Error(why));
    };
    zf.on('error', reject);
    zf.on('end', () => resolve());
    zf.on('entry', (e: yauzl.Entry) => {
      const name = e.fileName;
      const isDir = name.endsWith('/');
      const bare = isDir ? name.slice(0, -1) : name;
      if (bare === want.runId && isDir) return zf.readEntry();
      if (!bare.startsWith(prefix)) return fail(`entry ${JSON.stringify(name)} is not under ${prefix}`);
      const rel = bare.slice(prefix.length);
      const problem = entryNameProblem(rel);
      if (problem) return fail(`entry ${JSON.stringify(name)} has ${problem}`);
      const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
      if (isDir) {
        if (mode !== 0 && mode !== S_IFDIR) return fail(`entry ${JSON.stringify(name)} is not a plain directory`);
        out.dirs.push(rel);
        return zf.readEntry();
      }
      if (mode !== 0 && mode !== S_IFREG)
        return fail(`entry ${JSON.stringify(name)} is ${(mode & 0o120000) === 0o120000 ? 'a symbolic link' : 'not a regular file'}`);
      out.bytes += e.uncompressedSize;
      if (out.bytes > want.limitBytes) return fail(`the files unpack past the artifact cap of ${want.limitBytes} bytes`);
      zf.openReadStream(e, (err, stream) => {
        if (err || !stream) return fail(`entry ${JSON.stringify(name)}: ${err?.message ?? 'unreadable'}`);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', (er) => fail(`entry ${JSON.stringify(name)}: ${er.message}`));
        stream.on('end', () => {
          out.files.push({ name: rel, data: Buffer.concat(chunks) });
          zf.readEntry();
        });
      });
    });
    zf.readEntry();
  });
  return out;
}

/** Creates `runDir` (refusing an existing one) and writes the unpacked entries into it, never through a link. */
/** Writes the run dir; returns every absolute path it made (the run dir, its directories and files), for the auditor. */
export function writeUnpacked(runDir: string, u: Unpacked): string[] {
  const made = [runDir];
  fs.mkdirSync(path.dirname(runDir), { recursive: true });
  fs.mkdirSync(runDir); // EEXIST: never over an existing run dir
  const mkdirs = (dir: string) => {
    const first = fs.mkdirSync(dir, { recursive: true });
    if (first === undefined) return;
    for (let d = dir; d.length >= first.length; d = path.dirname(d)) made.push(d);
  };
  const dirs = [...u.dirs].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const d of dirs) mkdirs(path.join(runDir, d));
  for (const f of u.files) {
    const abs = path.join(runDir, f.name);
    mkdirs(path.dirname(abs));
    const fd = fs.openSync(abs, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeSync(fd, f.data);
    } finally {
      fs.closeSync(fd);
    }
    made.push(abs);
  }
  return made;
}
