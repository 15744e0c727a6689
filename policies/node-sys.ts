import fs from 'node:fs';
import type { FileKind, Sys } from './sys.js';

function kindOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/**
 * The real Sys. `fsImpl` lets the sandbox pass the fs functions it captured
 * before wrapping them, so the guard's own resolution is never guarded.
 */
export function createNodeSys(
  fsImpl: Pick<typeof fs, 'lstatSync' | 'readlinkSync' | 'readdirSync' | 'readFileSync' | 'realpathSync' | 'statSync'> = fs,
  cwd: () => string = () => process.cwd(),
): Sys {
  const realpathNative = fsImpl.realpathSync.native;
  return Object.freeze({
    cwd,
    realpath: (p: string) => realpathNative(p),
    lstat(p: string) {
      try {
        const st = fsImpl.lstatSync(p, { throwIfNoEntry: false });
        return st ? kindOf(st) : undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    readlink: (p: string) => fsImpl.readlinkSync(p, 'utf8'),
    readdir: (p: string) =>
      fsImpl.readdirSync(p, { withFileTypes: true }).map((d) => ({
        name: d.name,
        kind: kindOf(d),
      })),
    readFile: (p: string) => fsImpl.readFileSync(p, 'utf8'),
    sizeOf(p: string) {
      const st = fsImpl.statSync(p, { throwIfNoEntry: false });
      if (!st) return undefined;
      return st.isDirectory() ? fsImpl.readdirSync(p).length : st.size;
    },
    caseInsensitive: process.platform === 'darwin' || process.platform === 'win32',
  });
}
