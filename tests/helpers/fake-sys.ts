import path from 'node:path';
import type { FileKind, Sys } from '../../policies/sys.js';

/**
 * An in-memory Sys with no symlinks: every path under `existing` exists
 * (directories implied by their children). `foldCase` makes it behave like a
 * case-insensitive file system whose realpath returns the stored spelling.
 */
export function fakeSys(opts: { cwd: string; files: string[]; foldCase?: boolean }): Sys {
  const byKey = new Map<string, { real: string; kind: FileKind }>();
  const key = (p: string) => (opts.foldCase ? p.toLowerCase() : p);
  const add = (p: string, kind: FileKind) => {
    if (!byKey.has(key(p))) byKey.set(key(p), { real: p, kind });
  };
  add('/', 'dir');
  for (const f of opts.files) {
    add(f, 'file');
    for (let d = path.posix.dirname(f); d !== '/'; d = path.posix.dirname(d)) add(d, 'dir');
  }
  const enoent = (p: string) => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  const lookup = (p: string) => byKey.get(key(path.posix.normalize(p).replace(/(.)\/$/, '$1')));
  return {
    cwd: () => opts.cwd,
    realpath(p) {
      // No symlinks: lexical folding is the kernel's answer, provided every prefix exists.
      const parts = p.split('/').filter((s) => s && s !== '.');
      let current = '/';
      for (const part of parts) {
        current = part === '..' ? path.posix.dirname(current) : path.posix.join(current, part);
        const hit = lookup(current);
        if (!hit) throw enoent(p);
        current = hit.real;
      }
      return current;
    },
    lstat: (p) => lookup(p)?.kind,
    readlink: (p) => {
      throw Object.assign(new Error(`EINVAL: ${p}`), { code: 'EINVAL' });
    },
    readdir: (p) => {
      const base = lookup(p)?.real;
      if (!base) throw enoent(p);
      return [...byKey.values()]
        .filter((e) => e.real !== base && path.posix.dirname(e.real) === base)
        .map((e) => ({ name: path.posix.basename(e.real), kind: e.kind }));
    },
    readFile: (p) => {
      throw enoent(p);
    },
    sizeOf: (p) => (lookup(p) ? 1 : undefined),
    caseInsensitive: opts.foldCase ?? false,
  };
}
