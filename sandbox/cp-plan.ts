/**
 * `cp` inside the sandbox, as a walk of ordinary fs calls: every entry is
 * stat'ed, listed, made, copied or linked through the guarded functions
 * (passed in as `io`), so each one is decided by the same wrapper as if the
 * sleeve had called it, and no wrapper is ever turned off. Node's own cp is
 * not used: it stats the ancestors of the destination (reads the policy may
 * refuse), and it runs sleeve-reachable code (Stats methods, the filter)
 * while it works.
 *
 * The walk is a generator that yields `[src, dest]` whenever the user's
 * filter must be asked, so one walk serves cpSync (the answer must be
 * synchronous) and fs.cp / fs.promises.cp (the answer may be a promise).
 * Kinds come from mode bits via `io.kind`, never from Stats methods.
 * Semantics follow Node's cp: force (default true), errorOnExist,
 * dereference, recursive, verbatimSymlinks, preserveTimestamps, mode.
 */
import path from 'node:path';
import type { StatKind } from './intrinsics.js';

export interface CpOptions {
  force: boolean;
  errorOnExist: boolean;
  dereference: boolean;
  recursive: boolean;
  verbatimSymlinks: boolean;
  preserveTimestamps: boolean;
  mode: number;
  filter: unknown;
}

export interface CpIo {
  /** The kind of a path (decided as a read), or undefined when absent. */
  kind(p: string, follow: boolean): { kind: StatKind; mode: number } | undefined;
  /** The kind of a destination (decided as a write first). */
  destKind(p: string): StatKind | undefined;
  readdir(p: string): string[];
  readlink(p: string): string;
  mkdir(p: string): void;
  chmod(p: string, mode: number): void;
  copyFile(src: string, dest: string, mode: number): void;
  symlink(target: string, p: string): void;
  unlink(p: string): void;
  copyTimes(src: string, dest: string): void;
  /** A source is missing: throw the error Node's own cp gives for it (its lstat's, or stat's when following links). */
  missing?(p: string, follow: boolean): void;
}

const join = path.join;
const dirname = path.dirname;
const isAbsolute = path.isAbsolute;
const resolvePath = path.resolve;

/** The options a sleeve passed, read once (getters run now), with Node's defaults. */
export function normalizeCpOptions(raw: unknown): CpOptions {
  const o = (typeof raw === 'object' && raw !== null ? { ...(raw as Record<string, unknown>) } : {}) as Record<string, unknown>;
  return {
    force: o.force === undefined ? true : Boolean(o.force),
    errorOnExist: Boolean(o.errorOnExist),
    dereference: Boolean(o.dereference),
    recursive: Boolean(o.recursive),
    verbatimSymlinks: Boolean(o.verbatimSymlinks),
    preserveTimestamps: Boolean(o.preserveTimestamps),
    mode: typeof o.mode === 'number' ? o.mode : 0,
    filter: o.filter,
  };
}

export function cpError(code: string, message: string): Error {
  const e = new Error(`${code}: ${message}`) as Error & { code: string };
  e.code = code;
  return e;
}

const within = (parent: string, child: string) => child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);

/** The walk; yields [src, dest] for each filter question and expects the answer back. */
export function* cpWalk(src: string, dest: string, opts: CpOptions, io: CpIo): Generator<[string, string], void, unknown> {
  const from = resolvePath(src);
  const to = resolvePath(dest);
  if (from === to) throw cpError('ERR_FS_CP_EINVAL', `src and dest cannot be the same: ${src}`);
  yield* entry(from, to, opts, io, true);
}

function* entry(src: string, dest: string, opts: CpOptions, io: CpIo, top: boolean): Generator<[string, string], void, unknown> {
  if (typeof opts.filter === 'function') {
    const keep = yield [src, dest];
    if (!keep) return;
  }
  const s = io.kind(src, opts.dereference);
  if (s === undefined) {
    io.missing?.(src, opts.dereference);
    throw cpError('ENOENT', `no such file or directory, cp '${src}'`);
  }
  const d = io.destKind(dest);
  if (s.kind === 'dir') {
    if (!opts.recursive) throw cpError('ERR_FS_EISDIR', `Recursive option is required to copy a directory: ${src}`);
    if (top && within(src, dest)) throw cpError('ERR_FS_CP_EINVAL', `cannot copy ${src} to a subdirectory of self ${dest}`);
    if (d !== undefined && d !== 'dir') throw cpError('ERR_FS_CP_DIR_TO_NON_DIR', `cannot overwrite non-directory ${dest} with directory ${src}`);
    if (d === undefined) io.mkdir(dest);
    const names = io.readdir(src);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      yield* entry(join(src, name), join(dest, name), opts, io, false);
    }
    if (d === undefined) io.chmod(dest, s.mode & 0o7777);
    return;
  }
  if (d === 'dir') throw cpError('ERR_FS_CP_NON_DIR_TO_DIR', `cannot overwrite directory ${dest} with non-directory ${src}`);
  if (s.kind === 'file') {
    if (d !== undefined) {
      if (!opts.force) {
        if (opts.errorOnExist) throw cpError('ERR_FS_CP_EEXIST', `${dest} already exists`);
        return;
      }
      io.unlink(dest);
    }
    io.copyFile(src, dest, opts.mode);
    if (opts.preserveTimestamps) io.copyTimes(src, dest);
    return;
  }
  if (s.kind === 'symlink') {
    let target = io.readlink(src);
    if (!opts.verbatimSymlinks && !isAbsolute(target)) target = resolvePath(dirname(src), target);
    if (d !== undefined) io.unlink(dest);
    io.symlink(target, dest);
    return;
  }
  throw cpError('ERR_FS_CP_UNKNOWN', `cannot copy an unknown file type: ${dest}`);
}

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';

/** cpSync: the filter must answer synchronously. */
export function runCpSync(src: string, dest: string, opts: CpOptions, io: CpIo): void {
  const walk = cpWalk(src, dest, opts, io);
  let step = walk.next();
  while (!step.done) {
    const answer = (opts.filter as (s: string, d: string) => unknown)(step.value[0], step.value[1]);
    if (isThenable(answer)) throw new TypeError('cpSync needs a synchronous filter: an async filter works with fs.cp and fs.promises.cp');
    step = walk.next(Boolean(answer));
  }
}

/** fs.cp and fs.promises.cp: the filter may answer with a promise. */
export async function runCpAsync(src: string, dest: string, opts: CpOptions, io: CpIo): Promise<void> {
  const walk = cpWalk(src, dest, opts, io);
  let step = walk.next();
  while (!step.done) {
    const answer = await (opts.filter as (s: string, d: string) => unknown)(step.value[0], step.value[1]);
    step = walk.next(Boolean(answer));
  }
}
