/**
 * Which descriptors the sleeve may write through. A descriptor number is not
 * a capability: the kernel hands a closed number to the next open, so a
 * number once opened for writing could come back on a file opened read-only
 * (fchmod, futimes and fchown work through a read-only descriptor).
 *
 * So a number is trusted only together with the identity (device and inode)
 * of the file it was opened on, taken at the moment of the open with no
 * sleeve code in between, and checked again at every use: a reused number
 * names another file and has no rights. Closing forgets the number before
 * the kernel frees it. FileHandles are objects and are tracked as such, so
 * they cannot be confused with each other at all.
 */
import { type StatFacts, mapDelete, mapGet, mapSet, weakMapGet, weakMapHas, weakMapSet, weakSetAdd, weakSetHas } from './intrinsics.js';

export interface DescriptorTable {
  /** The descriptor was just opened for writing by the guard (synchronously, nothing ran since). */
  trackWritable(fd: number): void;
  /** May the sleeve write through this number now? */
  isWritable(fd: unknown): boolean;
  /** The number is being closed: it has no rights from now on. */
  forget(fd: unknown): void;
  trackHandle(handle: object, fd: number, writable: boolean): void;
  isHandle(x: unknown): x is object;
  isWritableHandle(x: object): boolean;
  handleFd(x: object): number | undefined;
}

export function createDescriptorTable(fstat: (fd: number) => Pick<StatFacts, 'dev' | 'ino'> | undefined): DescriptorTable {
  const writable = new Map<number, { dev: number; ino: number }>();
  const handleFds = new WeakMap<object, number>();
  const writableHandles = new WeakSet<object>();
  return Object.freeze({
    trackWritable(fd: number) {
      const id = fstat(fd);
      if (id) mapSet(writable, fd, { dev: id.dev, ino: id.ino });
      else mapDelete(writable, fd);
    },
    isWritable(fd: unknown) {
      if (typeof fd !== 'number') return false;
      const id = mapGet(writable, fd) as { dev: number; ino: number } | undefined;
      if (id === undefined) return false;
      const now = fstat(fd);
      return now !== undefined && now.dev === id.dev && now.ino === id.ino;
    },
    forget(fd: unknown) {
      if (typeof fd === 'number') mapDelete(writable, fd);
    },
    trackHandle(handle: object, fd: number, isWritable: boolean) {
      weakMapSet(handleFds, handle, fd);
      if (isWritable) weakSetAdd(writableHandles, handle);
    },
    isHandle: (x: unknown): x is object => typeof x === 'object' && x !== null && weakMapHas(handleFds, x),
    isWritableHandle: (x: object) => weakSetHas(writableHandles, x),
    handleFd: (x: object) => weakMapGet(handleFds, x) as number | undefined,
  });
}
