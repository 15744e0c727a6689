/**
 * Every fs function the guard wraps, as data: which arguments are paths and
 * what each asks (read or write), whether the first may be a descriptor or
 * a FileHandle instead, whether a write must refuse a file with other hard
 * links (it could be a lakehouse file under another name), where an open
 * flag decides read and write, and which few need handling of their own.
 * The guard derives the sync, callback and promise wrappers from this one
 * table, so a function is decided the same way in every form.
 *
 * Not here, handled beside it in fs-guard.ts: close/closeSync (descriptor
 * tracking, the report channel), exists/existsSync (answer false), the
 * streams, cp/cpSync/promises.cp (cp-plan.ts). Pure data.
 */
export type Access = 'read' | 'write';

export interface FsEntry {
  /** What each path argument asks, by argument index; null: not a path (handled by `special`). */
  readonly paths: readonly (Access | null)[];
  /** Argument 0 may be a descriptor or a FileHandle: a write through it needs a writable one. */
  readonly descriptor?: boolean;
  /** Only a descriptor: a write through argument 0 (write, fchmod, ...). */
  readonly fdWrite?: boolean;
  /** A write of an existing file with other hard links is refused. */
  readonly alias?: boolean;
  /** Index of an open flag that decides read and write (open). */
  readonly flagsAt?: number;
  /** A path in an options object that turns a read into a write (readFile's `flag`). */
  readonly optionFlag?: boolean;
  /** No callback form: the plain function returns its result (watch, watchFile, openAsBlob). */
  readonly plain?: boolean;
  readonly special?: 'symlink' | 'mkdtemp' | 'glob';
  /** Index of data passed to Node as it is, not copied (writeFile's data may be a stream or an async iterable); no decision reads it. */
  readonly data?: number;
  /**
   * Node does not check the path's type here (its JS realpath turns `undefined` into the path
   * "undefined"), so a value of no path type is decided like any other, never left to Node's checks.
   */
  readonly untyped?: boolean;
}

const R: FsEntry = { paths: ['read'], descriptor: true };
const W: FsEntry = { paths: ['write'], descriptor: true };
const WA: FsEntry = { paths: ['write'], descriptor: true, alias: true };
const WD: FsEntry = { paths: ['write'], descriptor: true, alias: true, data: 1 };
const FD: FsEntry = { paths: [], fdWrite: true };

export const FS_TABLE: Readonly<Record<string, FsEntry>> = Object.freeze({
  access: R,
  readdir: R,
  readlink: R,
  realpath: { paths: ['read'], descriptor: true, untyped: true },
  stat: R,
  lstat: R,
  statfs: R,
  opendir: R,
  watch: { paths: ['read'], plain: true },
  watchFile: { paths: ['read'], plain: true },
  openAsBlob: { paths: ['read'], plain: true },
  readFile: { paths: ['read'], descriptor: true, optionFlag: true },
  appendFile: WD,
  writeFile: WD,
  truncate: WA,
  chmod: WA,
  lchmod: WA,
  chown: WA,
  lchown: WA,
  utimes: WA,
  lutimes: WA,
  mkdir: W,
  rm: W,
  rmdir: W,
  unlink: W,
  write: FD,
  writev: FD,
  ftruncate: FD,
  fchmod: FD,
  fchown: FD,
  futimes: FD,
  copyFile: { paths: ['read', 'write'], alias: true },
  rename: { paths: ['write', 'write'] },
  link: { paths: ['write', 'write'] },
  symlink: { paths: [null, 'write'], special: 'symlink' },
  mkdtemp: { paths: ['write'], special: 'mkdtemp' },
  // Node 24: mkdtempDisposableSync and promises.mkdtempDisposable (no callback form); the guard also decides their remove().
  mkdtempDisposable: { paths: ['write'], special: 'mkdtemp' },
  open: { paths: ['read'], flagsAt: 1 },
  glob: { paths: [], special: 'glob' },
});

/** Indexes of the path arguments of an entry (made absolute by the snapshot). */
export function pathIndexes(entry: FsEntry): number[] {
  const out: number[] = [];
  for (let i = 0; i < entry.paths.length; i++) if (entry.paths[i] !== null) out[out.length] = i;
  return out;
}

/** Does a call write, whatever its flags? (for reporting Node's refusals and for nested calls) */
export function entryWrites(entry: FsEntry): boolean {
  if (entry.fdWrite) return true;
  for (let i = 0; i < entry.paths.length; i++) if (entry.paths[i] === 'write') return true;
  return entry.special === 'symlink' || entry.special === 'mkdtemp';
}
