/**
 * `--export zip`: one zip per run dir, written after the audit finished (so
 * it cannot race a sleeve, and the auditor of this batch never sees it).
 *
 * A run dir's content is the sleeve's, so hostile: the export walks it with
 * lstat and never follows a link; it stores directories and regular files
 * only, and lists everything else (links, fifos, sockets, devices) as skipped
 * with the reason; it refuses entry names an extractor could misread (a
 * backslash, which Windows tools take as a separator, so `..\..\x` would climb
 * out; control characters; a drive-letter prefix; names that are not UTF-8;
 * names past MAX_NAME_BYTES, whose subtree is not walked), also listed as skipped; and it stops with an
 * error, writing no zip for that run dir, when the files of the batch pass the
 * size cap. Files are opened with O_NOFOLLOW and read for exactly the size
 * lstat saw (yazl checks it).
 *
 * Deterministic: entries sorted by their UTF-8 bytes, each under `<runId>/`,
 * the DOS epoch as the time of every entry (no extended timestamp field),
 * fixed modes (0644 files, 0755 directories), no absolute paths, deflate at
 * zlib's default level: the same run dir gives the same bytes (the same
 * sha256) on the same Node build.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { ExportReport } from '../audit/schema.js';

/**
 * Longest entry name stored, in UTF-8 bytes: far below zip's 65535, and short
 * enough that the walk never reaches PATH_MAX (4096) below a run dir, so a
 * deep tree is skipped where it passes the bound instead of failing the export.
 */
export const MAX_NAME_BYTES = 1024;
/** The default cap on the bytes of files exported by one batch (`--export-limit`). */
export const DEFAULT_EXPORT_LIMIT_MIB = 1024;
/** 1980-01-01 00:00 local: the DOS epoch, as yazl turns local time into DOS time. */
const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;
const DIR_MODE = 0o040755;

export type ExportedZip = ExportReport['zips'][number];

/** Why `name` (a run-dir relative path, `/`-separated) cannot be a zip entry, or undefined. */
export function entryNameProblem(name: string): string | undefined {
  if (name === '' || name.startsWith('/')) return 'an absolute or empty name';
  if (/^[A-Za-z]:/.test(name)) return 'a drive-letter prefix, which Windows extractors take as an absolute path';
  if (name.includes('\\')) return 'a backslash, which Windows extractors take as a path separator';
  if (name.split('/').some((c) => c === '..' || c === '.' || c === '')) return 'a "." or ".." or empty path component';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a control character';
  if (name.includes('\ufffd')) return 'bytes that are not UTF-8';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `a name longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

interface Entry {
  name: string;
  abs: string;
  type: 'dir' | 'file';
  size: number;
}

/** The run dir's entries, sorted, never through a link; what cannot be stored goes to `skipped`. */
export function listRunDir(runDir: string): { entries: Entry[]; skipped: Array<{ path: string; why: string }> } {
  const entries: Entry[] = [];
  const skipped: Array<{ path: string; why: string }> = [];
  const walk = (absDir: Buffer, relDir: string) => {
    for (const raw of fs.readdirSync(absDir, { encoding: 'buffer' })) {
      const name = raw.toString('utf8');
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const abs = Buffer.concat([absDir, Buffer.from('/'), raw]);
      const problem = Buffer.from(name, 'utf8').equals(raw) ? entryNameProblem(rel) : 'bytes that are not UTF-8';
      if (problem) {
        skipped.push({ path: rel, why: `the name has ${problem}` });
        continue;
      }
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) {
        entries.push({ name: rel, abs: abs.toString('utf8'), type: 'dir', size: 0 });
        walk(abs, rel);
      } else if (st.isFile()) {
        entries.push({ name: rel, abs: abs.toString('utf8'), type: 'file', size: st.size });
      } else {
        skipped.push({ path: rel, why: st.isSymbolicLink() ? 'a symbolic link (links are never followed nor stored)' : 'not a regular file or directory' });
      }
    }
  };
  walk(Buffer.from(runDir), '');
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  entries.sort((a, b) => Buffer.compare(bytes(a.name), bytes(b.name)));
  skipped.sort((a, b) => Buffer.compare(bytes(a.path), bytes(b.path)));
  return { entries, skipped };
}

/** Writes `<dir>/<runId>.zip` of `runDir` (its entries listed by listRunDir); refuses to overwrite. */
export async function zipRunDir(runId: string, file: string, listing: ReturnType<typeof listRunDir>): Promise<{ size: number; sha256: string }> {
  const zip = new yazl.ZipFile();
  zip.addEmptyDirectory(`${runId}/`, { mtime: FIXED_TIME, mode: DIR_MODE, forceDosTimestamp: true });
  for (const e of listing.entries) {
    const name = `${runId}/${e.name}`;
    if (e.type === 'dir') {
      zip.addEmptyDirectory(name, { mtime: FIXED_TIME, mode: DIR_MODE, forceDosTimestamp: true });
    } else if (e.size === 0) {
      zip.addBuffer(Buffer.alloc(0), name, { mtime: FIXED_TIME, mode: FILE_MODE, forceDosTimestamp: true, compress: true });
    } else {
      const options = { mtime: FIXED_TIME, mode: FILE_MODE, forceDosTimestamp: true, compress: true, size: e.size };
      zip.addReadStreamLazy(name, options, (cb) => {
        try {
          const fd = fs.openSync(e.abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
          cb(null, fs.createReadStream('', { fd, start: 0, end: e.size - 1 }));
        } catch (error) {
          cb(error, undefined as unknown as NodeJS.ReadableStream);
        }
      });
    }
  }
  zip.end();
  const tmp = `${file}.partial`;
  const hash = createHash('sha256');
  let size = 0;
  const out = fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  try {
    await pipeline(
      zip.outputStream,
      async function* (source: AsyncIterable<string | Buffer>) {
        for await (const piece of source) {
          const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      out,
    );
    fs.linkSync(tmp, file); // fails when the zip exists: never overwrite one
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { size, sha256: hash.digest('hex') };
}

export interface ExportInput {
  dir: string;
  limitBytes: number;
  runs: ReadonlyArray<{ sleeve: string; runId: string; runDir: string }>;
}

/**
 * Exports every run dir of the batch; the total of their files is checked
 * against the cap before any zip is written. Never throws: a failure is the
 * report's `error` (and no zip of that run dir, none at all past the cap).
 */
export async function exportRunDirs(input: ExportInput): Promise<ExportReport> {
  const report: ExportReport = { format: 'zip', dir: input.dir, limitBytes: input.limitBytes, zips: [] };
  try {
    const listings = input.runs.map((r) => ({ run: r, listing: fs.existsSync(r.runDir) ? listRunDir(r.runDir) : undefined }));
    const total = listings.reduce((n, l) => n + (l.listing?.entries.reduce((m, e) => m + e.size, 0) ?? 0), 0);
    if (total > input.limitBytes) {
      return {
        ...report,
        error: `the run dirs hold ${total} bytes of files, past the export cap of ${input.limitBytes} bytes: nothing was exported; raise --export-limit (MiB) or export fewer files`,
      };
    }
    fs.mkdirSync(input.dir, { recursive: true });
    for (const { run, listing } of listings) {
      if (!listing) continue;
      const file = path.join(input.dir, `${run.runId}.zip`);
      const { size, sha256 } = await zipRunDir(run.runId, file, listing);
      report.zips.push({
        sleeve: run.sleeve,
        runId: run.runId,
        file,
        size,
        sha256,
        entries: listing.entries.length + 1,
        bytes: listing.entries.reduce((m, e) => m + e.size, 0),
        skipped: listing.skipped,
      });
    }
    return report;
  } catch (error) {
    return { ...report, error: `export to ${input.dir} failed: ${(error as Error).message}` };
  }
}
