/**
 * The engine's view of the disk inside a sleeve process: built on the fs
 * functions taken before the guard was installed, and on file facts read
 * from mode bits of checked Stats objects (intrinsics.ts), never from
 * `isSymbolicLink()` and friends, which a sleeve can patch to hide a
 * symlink from the resolver. Directory entries are lstat'ed one by one
 * instead of trusting `Dirent` methods. The engine runs with
 * `cacheResolutions: false` in the sandbox, because a listing or a
 * resolution remembered from before can be made stale by a process the
 * guard does not see (a symlink placed later). What is remembered is
 * bounded: directories until the sleeve's next change of names, answering a
 * write only inside its run dir (`memory`, resolution-memory.ts), and
 * whole decisions on allowed reads until its next write (fs-guard.ts
 * checkPath; README, Known limits).
 */
import type { FileKind, Sys } from '../policies/sys.js';
import { type StatReader, put, reflectApply } from './intrinsics.js';
import type { ResolutionMemory } from './resolution-memory.js';

export interface GuardSysFns {
  realpathNative: (p: string) => string;
  readlinkSync: (p: string, encoding: 'utf8') => string;
  readdirSync: (p: string) => string[];
  readFileSync: (p: string, encoding: 'utf8') => string;
}

export function createGuardSys(fns: GuardSysFns, stats: StatReader, cwd: () => string, memory?: ResolutionMemory): Sys {
  const { realpathNative, readlinkSync, readdirSync, readFileSync } = fns;
  const kind = (p: string): FileKind | undefined => {
    try {
      return stats.lstat(p)?.kind;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  };
  const realpath = (p: string) => reflectApply(realpathNative, undefined, [p]) as string;
  return Object.freeze({
    cwd,
    realpath: memory === undefined ? realpath : (p: string) => memory.realpath(p, realpath),
    lstat: memory === undefined ? kind : (p: string) => memory.kind(p, kind),
    readlink: (p: string) => reflectApply(readlinkSync, undefined, [p, 'utf8']) as string,
    readdir(p: string) {
      const names = reflectApply(readdirSync, undefined, [p]) as string[];
      const out: Array<{ name: string; kind: FileKind }> = [];
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string;
        put(out, i, { name, kind: kind(p === '/' ? `/${name}` : `${p}/${name}`) ?? 'other' });
      }
      return out;
    },
    readFile: (p: string) => reflectApply(readFileSync, undefined, [p, 'utf8']) as string,
    sizeOf(p: string) {
      const st = stats.lstat(p, true);
      if (!st) return undefined;
      return st.kind === 'dir' ? (reflectApply(readdirSync, undefined, [p]) as string[]).length : st.size;
    },
    caseInsensitive: process.platform === 'darwin' || process.platform === 'win32',
  });
}
