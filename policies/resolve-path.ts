/**
 * Turns whatever a sleeve passed as a path into one absolute, real path, the
 * way the kernel will: symlinks are followed where they stand (so `link/..`
 * climbs from the link's target, not lexically), a dangling symlink is
 * followed to where a create would land, and a path that does not exist yet is
 * resolved through its nearest existing ancestor. Anything that cannot be
 * resolved safely is reported as such, and the engine denies it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sys } from './sys.js';

export type PathInput = string | Buffer | Uint8Array | URL;

/**
 * `code` is the errno-style code of the system call that failed, when one did. `absent`: nothing had
 * the last name when it was resolved (a create), so no file there could have other hard links.
 */
export type Resolved = { ok: true; real: string; absent?: true } | { ok: false; problem: string; code?: string };

const MAX_SYMLINK_HOPS = 40;

/** The path as text, as Node's fs would read it; or why it is refused. */
export function pathToString(input: unknown): { ok: true; path: string } | { ok: false; problem: string } {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (input instanceof URL) {
    if (input.protocol !== 'file:') return { ok: false, problem: `only file: URLs name files, got a ${input.protocol} URL` };
    try {
      text = fileURLToPath(input);
    } catch (error) {
      return { ok: false, problem: `invalid file: URL (${(error as Error).message})` };
    }
  } else if (input instanceof Uint8Array) {
    text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(Buffer.from(input.buffer, input.byteOffset, input.byteLength))) {
      return { ok: false, problem: 'the path bytes are not valid UTF-8' };
    }
  } else if (input !== null && typeof input === 'object' && 'href' in input) {
    return { ok: false, problem: 'a URL-like object that is not a URL instance' };
  } else {
    return { ok: false, problem: `expected a path (string, Buffer, Uint8Array or file: URL), got ${input === null ? 'null' : typeof input}` };
  }
  if (text.length === 0) return { ok: false, problem: 'the path is empty' };
  if (text.includes('\0')) return { ok: false, problem: 'the path contains a NUL byte' };
  return { ok: true, path: text };
}

/** Absolute without lexical `..` folding: `..` must be applied after symlinks. */
export function absoluteRaw(text: string, cwd: string): string {
  const joined = text.charCodeAt(0) === 47 ? text : `${cwd}/${text}`;
  if (!joined.includes('//')) return joined;
  // Runs of slashes made one, by hand: no regular expression at decision time (policies/regexp.ts).
  let out = '';
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c !== 47 || out.charCodeAt(out.length - 1) !== 47) out += joined[i];
  }
  return out;
}

function errno(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

/**
 * The usual call: a plain name in an existing directory, where the name is new (a create) or is not a
 * link (a file read or overwritten, a directory). One lstat of the name, the parent's realpath and its
 * kind answer it; the parent's two answers are what a Sys may remember between decisions (the sandbox's
 * resolution memory), where the walk below starts with a realpath of the whole path (for a new name, one
 * that fails, and its exception costs more than the lookups: README, Benchmarks). Anything else takes the
 * walk: a link there (dangling or not, it must be followed), a parent that is not a directory (the walk
 * refuses a path through a file), `.`, `..`, a trailing slash, any error.
 */
function inDirectory(sys: Sys, raw: string): Resolved | undefined {
  const slash = raw.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const name = raw.slice(slash + 1);
  if (name === '' || name === '.' || name === '..') return undefined;
  try {
    const kind = sys.lstat(raw);
    // A link is followed by the walk; on a case-insensitive disk the walk's realpath spells an existing name as it is stored.
    if (kind === 'symlink' || (kind !== undefined && sys.caseInsensitive)) return undefined;
    const base = sys.realpath(raw.slice(0, slash));
    if (sys.lstat(base) !== 'dir') return undefined;
    const real = base === '/' ? `/${name}` : `${base}/${name}`;
    return kind === undefined ? { ok: true, real, absent: true } : { ok: true, real };
  } catch {
    return undefined;
  }
}

/** Resolves an absolute raw path (see absoluteRaw) to the real path an operation would touch. */
export function resolveReal(sys: Sys, raw: string, hops = 0): Resolved {
  const named = inDirectory(sys, raw);
  if (named !== undefined) return named;
  try {
    return { ok: true, real: sys.realpath(raw) };
  } catch (error) {
    if (errno(error) !== 'ENOENT') return { ok: false, problem: `cannot be resolved (${errno(error)})`, code: errno(error) };
  }
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  for (let i = parts.length - 1; i >= 0; i--) {
    let base: string;
    try {
      base = sys.realpath(`/${parts.slice(0, i).join('/')}`);
    } catch (error) {
      if (errno(error) === 'ENOENT') continue;
      return { ok: false, problem: `cannot be resolved (${errno(error)})`, code: errno(error) };
    }
    const name = parts[i] as string;
    const rest = parts.slice(i + 1);
    const candidate = base === '/' ? `/${name}` : `${base}/${name}`;
    let kind: ReturnType<Sys['lstat']>;
    try {
      kind = sys.lstat(candidate);
    } catch (error) {
      return { ok: false, problem: `cannot be resolved (${errno(error)})`, code: errno(error) };
    }
    if (kind === 'symlink') {
      // A dangling symlink: a create through it lands on its target.
      if (hops >= MAX_SYMLINK_HOPS) return { ok: false, problem: 'too many levels of symbolic links' };
      let target: string;
      try {
        target = sys.readlink(candidate);
      } catch (error) {
        return { ok: false, problem: `cannot be resolved (${errno(error)})`, code: errno(error) };
      }
      const next = absoluteRaw([target, ...rest].join('/'), base);
      return resolveReal(sys, next, hops + 1);
    }
    if (kind !== undefined) {
      // It appeared between the realpath and the lstat (a create on the threadpool, another process):
      // start again, a bounded number of times, and deny only a path that keeps changing.
      if (hops >= MAX_SYMLINK_HOPS) return { ok: false, problem: 'the path changed while it was being resolved' };
      return resolveReal(sys, raw, hops + 1);
    }
    const tail = [name, ...rest];
    if (tail.includes('..')) {
      const folded = path.posix.normalize(tail.join('/'));
      if (folded === '..' || folded.startsWith('../')) {
        return { ok: false, problem: '".." climbs out of a directory that does not exist' };
      }
      if (hops >= MAX_SYMLINK_HOPS) return { ok: false, problem: 'too many levels of symbolic links' };
      return resolveReal(sys, absoluteRaw(folded, base), hops + 1);
    }
    return { ok: true, real: base === '/' ? `/${tail.join('/')}` : `${base}/${tail.join('/')}` };
  }
  return { ok: false, problem: 'no ancestor of the path exists' };
}
