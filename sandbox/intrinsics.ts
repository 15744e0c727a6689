/**
 * What the guard's decisions stand on, taken when the bundle loads (before
 * any sleeve code runs) so that nothing a sleeve patches later can change a
 * decision: Reflect.apply, the Map/Set/WeakMap methods, own-property
 * reads, and facts about files read from `fs.Stats` objects without calling
 * a single method of theirs.
 *
 * A sleeve can reach every prototype in its realm (`fs.Stats.prototype`,
 * `Object.prototype`, the prototype of a BigIntStats), so a Stats method or
 * getter is an answer the sleeve chose. Worse, an accessor placed on the
 * chain runs inside Node's Stats constructor and can plant an own data
 * property holding a lie. So `createStatReader` only believes a Stats
 * object when, just before the call that made it, no object on the chain
 * its constructor will use is a Proxy or holds one of the fields it reads;
 * then the constructor can run no sleeve code, and the fields are the
 * kernel's. Anything else fails closed (undefined: "cannot tell").
 */
import { types } from 'node:util';

export const reflectApply = Reflect.apply;
const getOwnDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const hasOwn = Object.hasOwn;
const isProxy = types.isProxy;
const NumberCtor = Number;

type Method = (...args: never[]) => unknown;
/** `fn` as a plain function taking its receiver first, immune to later prototype patches. */
export function uncurry<F extends Method>(fn: F): (self: unknown, ...args: Parameters<F>) => ReturnType<F> {
  return (self: unknown, ...args: Parameters<F>) => reflectApply(fn as unknown as (...a: unknown[]) => unknown, self, args) as ReturnType<F>;
}

export const mapGet = uncurry(Map.prototype.get);
export const mapSet = uncurry(Map.prototype.set);
export const mapClear = uncurry(Map.prototype.clear);
export const mapDelete = uncurry(Map.prototype.delete);
export const setHas = uncurry(Set.prototype.has);
export const setAdd = uncurry(Set.prototype.add);
export const setClear = uncurry(Set.prototype.clear);
export const weakMapGet = uncurry(WeakMap.prototype.get);
export const weakMapSet = uncurry(WeakMap.prototype.set);
export const weakMapHas = uncurry(WeakMap.prototype.has);
export const weakSetHas = uncurry(WeakSet.prototype.has);
export const weakSetAdd = uncurry(WeakSet.prototype.add);

const defineOwn = Object.defineProperty;
/**
 * `arr[i] = v` without the prototype chain: an index accessor a sleeve
 * planted on Array.prototype would swallow a plain assignment and answer
 * its own value to every later read (the decision one thing, Node another).
 */
export function put(arr: unknown[], i: number, v: unknown): void {
  defineOwn(arr, i, { value: v, writable: true, enumerable: true, configurable: true });
}

/**
 * The first `end` elements of an own, packed array (a rest parameter, an array the
 * sandbox built) as a fresh array, without the prototype chain: an array literal defines
 * its elements as own data properties (CreateDataProperty), so a planted index setter is
 * never consulted, and an own element can then be replaced by plain assignment. Up to six
 * elements (every fs call) it costs what a literal costs; `put` per element is ~0.4 µs.
 */
export function listOf(xs: readonly unknown[], end = xs.length): unknown[] {
  switch (end) {
    case 0:
      return [];
    case 1:
      return [xs[0]];
    case 2:
      return [xs[0], xs[1]];
    case 3:
      return [xs[0], xs[1], xs[2]];
    case 4:
      return [xs[0], xs[1], xs[2], xs[3]];
    case 5:
      return [xs[0], xs[1], xs[2], xs[3], xs[4]];
    case 6:
      return [xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]];
    default: {
      const out: unknown[] = [];
      for (let i = 0; i < end; i++) put(out, i, xs[i]);
      return out;
    }
  }
}

/** An own data property's value; undefined for an accessor or a missing key. */
export function ownData(obj: object, key: string): unknown {
  const d = getOwnDescriptor(obj, key);
  return d !== undefined && hasOwn(d, 'value') ? d.value : undefined;
}

export type StatKind = 'file' | 'dir' | 'symlink' | 'other';
export interface StatFacts {
  kind: StatKind;
  mode: number;
  nlink: number;
  dev: number;
  ino: number;
  size: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const FIELDS = ['mode', 'nlink', 'dev', 'ino', 'size'] as const;

/** The kind of file a mode names, from its bits alone. */
export function kindOfMode(mode: number): StatKind {
  const fmt = mode & S_IFMT;
  return fmt === S_IFREG ? 'file' : fmt === S_IFDIR ? 'dir' : fmt === S_IFLNK ? 'symlink' : 'other';
}

/** Is every object on the chain from `proto` plain (no Proxy) and free of the fields we read? */
function cleanChain(proto: unknown): boolean {
  let o = proto;
  for (let depth = 0; o !== null && depth < 16; depth++) {
    if (typeof o !== 'object' && typeof o !== 'function') return false;
    if (isProxy(o)) return false;
    for (let i = 0; i < FIELDS.length; i++) if (hasOwn(o as object, FIELDS[i] as string)) return false;
    o = getPrototypeOf(o);
  }
  return o === null;
}

/** Facts from a Stats object made while its chain was clean; undefined when they cannot be trusted. */
function factsOf(st: unknown, expectedProto: unknown): StatFacts | undefined {
  if (st === null || typeof st !== 'object' || isProxy(st) || getPrototypeOf(st) !== expectedProto) return undefined;
  const values: number[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const v = ownData(st, FIELDS[i] as string);
    if (typeof v !== 'number' && typeof v !== 'bigint') return undefined;
    put(values, i, NumberCtor(v));
  }
  const mode = values[0] as number;
  return { kind: kindOfMode(mode), mode, nlink: values[1] as number, dev: values[2] as number, ino: values[3] as number, size: values[4] as number };
}

export interface StatReader {
  /** lstat (or stat with follow) of a path: facts, undefined when it does not exist; throws when they cannot be trusted. */
  lstat(p: string, follow?: boolean): StatFacts | undefined;
  /** fstat of a descriptor: facts, or undefined (closed, or cannot be trusted). */
  fstat(fd: number): StatFacts | undefined;
}

export class UntrustedStatsError extends Error {
  code = 'EUNTRUSTED';
}

/**
 * `fns` are the unwrapped fs functions, `StatsCtor` the constructor Node's
 * fs builds Stats with (fs.Stats, taken at install time).
 */
export function createStatReader(
  fns: {
    lstatSync: (p: string, o: { throwIfNoEntry: false }) => unknown;
    statSync: (p: string, o: { throwIfNoEntry: false }) => unknown;
    fstatSync: (fd: number) => unknown;
  },
  StatsCtor: { prototype: unknown },
): StatReader {
  const { lstatSync, statSync, fstatSync } = fns;
  const untrusted = () => new UntrustedStatsError('the fs.Stats prototype chain was modified: file facts cannot be trusted');
  return Object.freeze({
    lstat(p: string, follow = false) {
      const proto = ownData(StatsCtor as object, 'prototype');
      if (!cleanChain(proto)) throw untrusted();
      const st = reflectApply(follow ? statSync : lstatSync, undefined, [p, { throwIfNoEntry: false }]);
      if (st === undefined) return undefined;
      const facts = factsOf(st, proto);
      if (!facts) throw untrusted();
      return facts;
    },
    fstat(fd: number) {
      const proto = ownData(StatsCtor as object, 'prototype');
      if (!cleanChain(proto)) return undefined;
      let st: unknown;
      try {
        st = reflectApply(fstatSync, undefined, [fd]);
      } catch {
        return undefined;
      }
      return factsOf(st, proto);
    },
  });
}
