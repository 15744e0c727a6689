/**
 * A manifest of everything in scope: one compact record per entry (type,
 * size, mtime and ctime in nanoseconds, inode, mode, link count, symlink
 * target; sha256 for protected files; owner uid and gid, birth time). Taken before the
 * batch and after it; the difference is the proof.
 *
 * Out of scope: only the workspace's own top-level `.git` and `node_modules`
 * (TOP_LEVEL_IGNORED), the `ignore` globs and the `excludeAbs` directories. A
 * `.git` or `node_modules` anywhere deeper (`data/lakehouse/node_modules/x`)
 * is scanned like any other name.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { FileAttrs } from './schema.js';

export interface ScanOptions {
  workspace: string;
  /** Workspace-relative globs left out of scope (their subtrees too). */
  ignore: readonly string[];
  /** Absolute directories left out (the report directory). */
  excludeAbs: readonly string[];
  /** Workspace-relative globs whose files are hashed. */
  protect: readonly string[];
  hash: boolean;
}

export interface Manifest {
  /** Workspace-relative path -> compact record (see encode/decode). */
  entries: Map<string, string>;
  hashed: number;
  /** Directories (workspace-relative; '' for the root) with entries left out of scope. */
  withSkipped: Set<string>;
  /**
   * Entries the scan could not read for a reason other than vanishing
   * (EACCES, ENAMETOOLONG past PATH_MAX, EMFILE...) -> the error code: what
   * lies below them was not compared, so the proof is weakened (fail closed).
   */
  unreadable: Map<string, string>;
}

/** Names left out at the workspace root only (never deeper). */
export const TOP_LEVEL_IGNORED: readonly string[] = Object.freeze(['.git', 'node_modules']);
const TOP_LEVEL = new Set(TOP_LEVEL_IGNORED);
const HASH_BUFFER = Buffer.allocUnsafe(1 << 20);

function typeOf(st: fs.BigIntStats): FileAttrs['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

function sha256(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    for (;;) {
      const n = fs.readSync(fd, HASH_BUFFER, 0, HASH_BUFFER.length, null);
      if (n === 0) break;
      hash.update(HASH_BUFFER.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * What the manifest records beyond the report's FileAttrs: the owner (a chown
 * moves nothing else but ctime) and the birth time (a directory removed and
 * made again may get the same inode number back; never the same birth time,
 * where the file system keeps one).
 */
export interface Identity {
  uid: number;
  gid: number;
  birthNs: string;
}

/** The record as one string: cheap to store for 100,000 entries and to compare. */
export function encode(a: FileAttrs, id?: Identity): string {
  const fields = [a.type, a.size, a.mtimeNs, a.ctimeNs, a.ino, a.mode, a.nlink, a.sha256 ?? '', a.target ?? ''];
  if (id) fields.push(id.uid, id.gid, id.birthNs);
  return fields.join('\u0000');
}

/** The identity fields of a record, as one comparable string ('' when it holds none). */
function identityOf(s: string): string {
  let at = -1;
  for (let i = 0; i < 9; i++) {
    at = s.indexOf('\u0000', at + 1);
    if (at < 0) return '';
  }
  return s.slice(at + 1);
}

/** Owner and birth time of a record, each '' when it holds none. */
export function decodeIdentity(s: string): { owner: string; birthNs: string } {
  const tail = identityOf(s);
  const cut = tail.lastIndexOf('\u0000');
  return cut < 0 ? { owner: '', birthNs: '' } : { owner: tail.slice(0, cut), birthNs: tail.slice(cut + 1) };
}

export function decode(s: string): FileAttrs {
  const [type, size, mtimeNs, ctimeNs, ino, mode, nlink, sha, target] = s.split('\u0000');
  const a: FileAttrs = {
    type: type as FileAttrs['type'],
    size: size ?? '0',
    mtimeNs: mtimeNs ?? '0',
    ctimeNs: ctimeNs ?? '0',
    ino: ino ?? '0',
    mode: Number(mode),
    nlink: Number(nlink),
  };
  if (sha) a.sha256 = sha;
  if (target) a.target = target;
  return a;
}

export function scanWorkspace(opts: ScanOptions): Manifest {
  const ignore = opts.ignore.length > 0 ? picomatch(opts.ignore as string[], { dot: true }) : () => false;
  const protect = opts.protect.length > 0 ? picomatch(opts.protect as string[], { dot: true }) : () => false;
  const excluded = new Set(opts.excludeAbs);
  const entries = new Map<string, string>();
  const withSkipped = new Set<string>();
  const unreadable = new Map<string, string>();
  /** Gone (removed while scanning, or not a directory any more) is seen by the diff; anything else is a blind spot. */
  const failed = (rel: string, error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code !== 'ENOENT' && code !== 'ENOTDIR') unreadable.set(rel, code);
  };
  let hashed = 0;
  const visit = (abs: string, rel: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(abs);
    } catch (error) {
      failed(rel, error);
      return;
    }
    for (const name of names) {
      const childAbs = abs === '/' ? `/${name}` : `${abs}/${name}`;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if ((rel === '' && TOP_LEVEL.has(name)) || excluded.has(childAbs) || ignore(childRel)) {
        withSkipped.add(rel);
        continue;
      }
      let st: fs.BigIntStats;
      try {
        st = fs.lstatSync(childAbs, { bigint: true });
      } catch (error) {
        failed(childRel, error);
        continue;
      }
      const type = typeOf(st);
      const attrs: FileAttrs = {
        type,
        size: String(st.size),
        mtimeNs: String(st.mtimeNs),
        ctimeNs: String(st.ctimeNs),
        ino: String(st.ino),
        mode: Number(st.mode),
        nlink: Number(st.nlink),
      };
      if (type === 'symlink') {
        try {
          attrs.target = fs.readlinkSync(childAbs);
        } catch {
          attrs.target = '?';
        }
      } else if (type === 'file' && opts.hash && protect(childRel)) {
        try {
          attrs.sha256 = sha256(childAbs);
          hashed++;
        } catch {
          attrs.sha256 = 'unreadable';
        }
      }
      entries.set(childRel, encode(attrs, { uid: Number(st.uid), gid: Number(st.gid), birthNs: String(st.birthtimeNs) }));
      if (type === 'dir') visit(childAbs, childRel);
    }
  };
  visit(opts.workspace, '');
  return { entries, hashed, withSkipped, unreadable };
}

export interface Change {
  path: string;
  change: 'added' | 'removed' | 'modified' | 'metadata' | 'type-changed';
  before: FileAttrs | null;
  after: FileAttrs | null;
  /**
   * On a directory that is still the same directory (type, inode, mode and
   * owner kept) whose times alone moved while no entry in it changed:
   * "entries" when they moved the way adding or removing an entry moves them
   * (the mtime moved, and mtime = ctime: the kernel sets both at once), "set"
   * otherwise (a utimes, a chown to the same owner: the status alone changed).
   */
  dirTimes?: 'entries' | 'set';
  /** The owner (uid or gid) changed: a chown. */
  ownerChanged?: true;
  /** The same inode number, another birth time: removed and made again (FileAttrs do not show it). */
  reborn?: true;
}

const byPath = (x: Change, y: Change) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);

/**
 * Every difference between two manifests, in one pass over each (linear in
 * the entries). Content changes (size, mtime, inode or birth time, hash,
 * symlink target) are "modified"; mode, owner, link count or ctime alone are
 * "metadata" (a chmod, a chown, or a utimes that put the mtime back: ctime
 * cannot be put back).
 */
export function diffManifests(before: Manifest, after: Manifest): Change[] {
  const changes: Change[] = [];
  const touchedDirs: Array<[string, FileAttrs, FileAttrs]> = [];
  for (const [p, b] of before.entries) {
    const a = after.entries.get(p);
    if (a === undefined) {
      changes.push({ path: p, change: 'removed', before: decode(b), after: null });
      continue;
    }
    if (a === b) continue;
    const ba = decode(b);
    const aa = decode(a);
    const bi = decodeIdentity(b);
    const ai = decodeIdentity(a);
    const ownerChanged = ai.owner !== bi.owner;
    // Another entry at the same path: a new inode, or the old number given again to a new one.
    const replaced = ba.ino !== aa.ino || ai.birthNs !== bi.birthNs;
    let change: Change['change'];
    if (ba.type !== aa.type) change = 'type-changed';
    else if (ba.type === 'dir') {
      // A directory's times move whenever an entry is added or removed: the entries
      // tell that story. Times that moved with no entry changed are told below.
      if (ba.mode === aa.mode && !replaced && !ownerChanged) {
        touchedDirs.push([p, ba, aa]);
        continue;
      }
      change = replaced ? 'modified' : 'metadata';
    } else if (ba.size !== aa.size || ba.mtimeNs !== aa.mtimeNs || replaced || ba.sha256 !== aa.sha256 || ba.target !== aa.target) change = 'modified';
    else change = 'metadata';
    const c: Change = { path: p, change, before: ba, after: aa };
    if (ownerChanged) c.ownerChanged = true;
    if (ba.ino === aa.ino && ai.birthNs !== bi.birthNs) c.reborn = true;
    changes.push(c);
  }
  for (const [p, a] of after.entries) {
    if (!before.entries.has(p)) changes.push({ path: p, change: 'added', before: null, after: decode(a) });
  }
  // A directory whose times moved is explained by a changed entry in it, or by
  // an entry left out of scope (which may have changed unseen).
  const parents = new Set<string>();
  for (const c of changes) parents.add(path.posix.dirname(c.path));
  for (const [p, ba, aa] of touchedDirs) {
    if (parents.has(p) || before.withSkipped.has(p) || after.withSkipped.has(p)) continue;
    const entries = ba.mtimeNs !== aa.mtimeNs && aa.mtimeNs === aa.ctimeNs;
    changes.push({ path: p, change: 'metadata', before: ba, after: aa, dirTimes: entries ? 'entries' : 'set' });
  }
  return changes.sort(byPath);
}
