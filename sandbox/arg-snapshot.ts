/**
 * Arguments are taken once, before the decision, and Node gets exactly what
 * was decided: a Buffer, Uint8Array or URL path becomes a string (a getter
 * or a later mutation cannot change it between the decision and the call),
 * option objects are copied (their getters run once, now), and relative
 * paths are made absolute against the cwd of the decision (a later chdir
 * cannot move an asynchronous call). `shown` keeps the sleeve's spelling for
 * messages; `call` is what Node receives.
 *
 * This is why a lie told while converting (a patched URL getter, a patched
 * Buffer method) only fools the liar: the decision and the call both use the
 * one string the conversion produced.
 *
 * A copied options object still inherits from Object.prototype, which the
 * sleeve can reach: a `flag` getter planted there would answer the guard
 * "r" and Node, which reads the option again, "w". So every key the sleeve
 * has added to Object.prototype is read once, now, and pinned on the copy as
 * an own property: the guard and Node then read the same value.
 *
 * A copy must not change what Node does with the value: a Date (utimes'
 * times) is copied as a Date of the same time (spread into a plain object it
 * was no time at all), and the arguments listed in `keep` (writeFile's data, which may
 * be a stream or an async iterable, and takes no part in the decision) are
 * passed as they are.
 */
import { isDate } from 'node:util/types';
import { absoluteRaw, pathToString } from '../policies/resolve-path.js';
import { listOf, put, setHas, uncurry } from './intrinsics.js';

export interface Snapshot {
  shown: unknown[];
  call: unknown[];
}

export interface SnapshotEnv {
  cwd: () => string;
  /** Objects passed through as they are (FileHandles). */
  isHandle: (x: unknown) => boolean;
}

const isView = ArrayBuffer.isView;
const isArray = Array.isArray;
const DateCtor = Date;
const dateGetTime = uncurry(Date.prototype.getTime);
const ownKeys = Reflect.ownKeys;
const hasOwn = Object.hasOwn;
const defineProperty = Object.defineProperty;
const ObjectPrototype = Object.prototype;
/** Object.prototype's own keys before any sleeve code ran. */
const BASE_KEYS = new Set<string | symbol>(ownKeys(ObjectPrototype));

/** Pins on `copy` the value of every key the sleeve added to Object.prototype (see above). */
function pinInherited(copy: Record<string | symbol, unknown>): void {
  const keys = ownKeys(ObjectPrototype);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string | symbol;
    if (setHas(BASE_KEYS, k) || hasOwn(copy, k)) continue;
    defineProperty(copy, k, { value: copy[k], writable: true, enumerable: true, configurable: true });
  }
}

function asText(x: unknown): unknown {
  if (typeof x === 'string' || !(x instanceof Uint8Array || x instanceof URL)) return x;
  const t = pathToString(x);
  return t.ok ? t.path : x;
}

function isPathIndex(paths: readonly number[], i: number): boolean {
  for (let k = 0; k < paths.length; k++) if (paths[k] === i) return true;
  return false;
}

/**
 * `paths`: the indexes holding paths; `texts`: other indexes converted to text
 * without being made absolute (a symlink's target, which is relative to the link);
 * `keep`: indexes passed as they are (data no decision reads).
 */
export function snapshotArgs(
  args: readonly unknown[],
  paths: readonly number[],
  texts: readonly number[],
  env: SnapshotEnv,
  keep: readonly number[] = [],
): Snapshot {
  // Fast path (the common call): no objects at all, and every path already absolute.
  let plain = true;
  for (let i = 0; i < args.length && plain; i++) {
    const a = args[i];
    if (a !== null && typeof a === 'object') plain = false;
    else if (typeof a === 'string' && a.charCodeAt(0) !== 47 && isPathIndex(paths, i)) plain = false;
  }
  if (plain) return { shown: args as unknown[], call: args as unknown[] };
  // Fresh arrays holding each element as an own data property (listOf): assigning one back never
  // reaches a setter planted on Array.prototype.
  const shown = listOf(args);
  const call = listOf(args);
  let cwd: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (isPathIndex(paths, i)) {
      const t = asText(a);
      shown[i] = t;
      if (typeof t === 'string' && t.length > 0 && t.charCodeAt(0) !== 47) {
        if (cwd === undefined) cwd = env.cwd();
        call[i] = absoluteRaw(t, cwd);
      } else {
        call[i] = t;
      }
    } else if (isPathIndex(texts, i)) {
      const t = asText(a);
      shown[i] = t;
      call[i] = t;
    } else if (isPathIndex(keep, i)) {
      shown[i] = a;
      call[i] = a;
    } else if (isDate(a)) {
      // A fresh Date of the same time (read with the intrinsic getter): Node takes it as a time.
      const copy = new DateCtor(dateGetTime(a));
      pinInherited(copy as unknown as Record<string | symbol, unknown>);
      shown[i] = copy;
      call[i] = copy;
    } else if (isArray(a)) {
      // An array (writev's buffers) stays an array: its length and elements are read once, now.
      const copy: unknown[] = [];
      const n = (a as unknown[]).length;
      for (let k = 0; k < n; k++) put(copy, k, (a as unknown[])[k]);
      shown[i] = copy;
      call[i] = copy;
    } else if (a !== null && typeof a === 'object' && !isView(a) && !(a instanceof URL) && !env.isHandle(a)) {
      const copy: Record<string | symbol, unknown> = { ...(a as object) };
      pinInherited(copy);
      shown[i] = copy;
      call[i] = copy;
    } else {
      shown[i] = a;
      call[i] = a;
    }
  }
  return { shown, call };
}
