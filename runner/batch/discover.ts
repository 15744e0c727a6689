/**
 * Where a bare `run` finds its manifest, and what to suggest when a path the
 * user gave does not exist. The file system is asked through a small seam
 * (`DiscoverFs`), so the rules are unit-tested without touching the disk.
 *
 * Discovery: `sleeve-manifest.json` in the start directory, then each parent,
 * stopping after the first directory that holds `.git` (a repository is a
 * project boundary: a manifest above it belongs to something else) or at the
 * filesystem root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { nearestName } from '../../policies/suggest.js';

export const MANIFEST_FILE = 'sleeve-manifest.json';

export interface DiscoverFs {
  /** True when `p` exists (any kind, symlinks not followed). */
  exists(p: string): boolean;
  /** True when `p` is a regular file (symlinks followed). */
  isFile(p: string): boolean;
  /** Names in a directory; empty when it cannot be read. */
  readdir(p: string): string[];
}

export const nodeDiscoverFs: DiscoverFs = {
  exists: (p) => {
    try {
      fs.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  },
  isFile: (p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
  readdir: (p) => {
    try {
      return fs.readdirSync(p);
    } catch {
      return [];
    }
  },
};

export interface Discovery {
  /** The manifest found, absolute; undefined when none. */
  file: string | undefined;
  /** The directories looked in, nearest first. */
  searched: string[];
  /** Why the search ended: found, a `.git` boundary, or the filesystem root. */
  stop: 'found' | 'git' | 'root';
}

export function findManifest(start: string, fsx: DiscoverFs = nodeDiscoverFs): Discovery {
  const searched: string[] = [];
  let dir = path.resolve(start);
  for (;;) {
    searched.push(dir);
    const file = path.join(dir, MANIFEST_FILE);
    if (fsx.isFile(file)) return { file, searched, stop: 'found' };
    if (fsx.exists(path.join(dir, '.git'))) return { file: undefined, searched, stop: 'git' };
    const parent = path.dirname(dir);
    if (parent === dir) return { file: undefined, searched, stop: 'root' };
    dir = parent;
  }
}

const ENTRY_EXTENSIONS = ['.ts', '.mjs', '.js', '.cjs'];

/**
 * For an entry that does not exist: a file in the same directory that is the
 * likely intent (the same name with another case or extension, or a close
 * spelling), as `wanted` is written (relative, with `/`). Undefined when none.
 */
export function suggestEntry(wanted: string, workspace: string, fsx: DiscoverFs = nodeDiscoverFs): string | undefined {
  const abs = path.resolve(workspace, wanted);
  const dir = path.dirname(abs);
  const names = fsx.readdir(dir).filter((n) => ENTRY_EXTENSIONS.includes(path.extname(n).toLowerCase()) && fsx.isFile(path.join(dir, n)));
  const base = path.basename(abs);
  const stem = ENTRY_EXTENSIONS.includes(path.extname(base).toLowerCase()) ? base.slice(0, -path.extname(base).length) : base;
  const stems = (n: string) => n.slice(0, -path.extname(n).length);
  const pick =
    names.find((n) => n !== base && n.toLowerCase() === base.toLowerCase()) ??
    ENTRY_EXTENSIONS.map((ext) => names.find((n) => n === `${stem}${ext}`)).find((n) => n !== undefined && n !== base) ??
    names.find((n) => stems(n).toLowerCase() === stem.toLowerCase()) ??
    (() => {
      const near = nearestName(stem, names.map(stems));
      return near === undefined ? undefined : names.find((n) => stems(n) === near);
    })();
  if (pick === undefined) {
    // The directory itself may be misspelled: sleeve/x.ts for sleeves/x.ts.
    const parent = path.dirname(dir);
    if (parent === dir || fsx.exists(dir)) return undefined;
    const near = nearestName(
      path.basename(dir),
      fsx.readdir(parent).filter((n) => !fsx.isFile(path.join(parent, n))),
    );
    if (near === undefined) return undefined;
    const fixed = path.join(parent, near, base);
    return fsx.isFile(fixed) ? toWritten(fixed, workspace, wanted) : undefined;
  }
  return toWritten(path.join(dir, pick), workspace, wanted);
}

/** `abs` written as `like` was: absolute stays absolute, else relative to `base` with `/`. */
function toWritten(abs: string, base: string, like: string): string {
  return path.isAbsolute(like) ? abs : path.relative(base, abs).split(path.sep).join('/');
}

/**
 * For a --manifest path that does not exist from `cwd`: the same relative path
 * from a parent of `cwd`, or its last part in `cwd` (the path was written from
 * another directory). Absolute, or undefined when none is found.
 */
export function suggestManifestPath(given: string, cwd: string, fsx: DiscoverFs = nodeDiscoverFs): string | undefined {
  if (!path.isAbsolute(given)) {
    let dir = path.dirname(path.resolve(cwd));
    for (;;) {
      const candidate = path.resolve(dir, given);
      if (fsx.isFile(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  const here = path.join(cwd, path.basename(given));
  if (fsx.isFile(here)) return here;
  const found = findManifest(cwd, fsx);
  return found.file;
}
