/**
 * The guard runs in the same JS realm as the sleeve, so it must not be
 * steerable through the built-ins it calls: a sleeve that replaces
 * Array.prototype.find or Function.prototype.apply could otherwise change
 * what the guard decides or what it calls. Where it can, the guard calls
 * originals captured when its bundle loads (Node's `primordials` pattern,
 * intrinsics.ts); what still runs on shared built-ins (picomatch's regular
 * expressions, spreads, `instanceof`, a global looked up at call time) is
 * protected here, before any sleeve code runs.
 *
 * Protection must not break ordinary assignment (JavaScript's "override
 * mistake": a read-only method on a prototype makes `lodash.bind = ...` or
 * `obj.toString = ...` throw in strict code). So, as SES's override taming
 * does, each protected data property becomes a non-configurable accessor:
 * the getter returns the original; the setter, called for an object that
 * inherits the property, gives that object an own writable property (so the
 * assignment means what it always meant), and called on the home object
 * itself refuses with a TypeError naming the sandbox (assigning the same
 * value is a no-op: polyfills write `global.Buffer = global.Buffer || ...`).
 * Accessors already there (Map.prototype.size, the typed-array length)
 * are only made non-configurable. On the prototypes the guard and the engine call into
 * (and Node's Buffer code it uses), every method and accessor is tamed, not
 * only the ones the guard names: an accessor or a method they reach
 * indirectly (Buffer.from calls `utf8Write`) would otherwise run sleeve code
 * inside a decision. The symbol hooks a string argument is asked for
 * (`'a/b'.split('/')` looks up String.prototype[Symbol.split]) are checked
 * absent before every decision (intrinsicsReplaced). Whole prototypes are not
 * frozen.
 *
 * Some built-ins are left alone because V8 keeps fast paths only while they
 * are untouched (a sleeve's `arr.map` ran 21x slower, `s.split(/,/)` 41x):
 * RegExp.prototype (what decides a path calls the exec captured at load,
 * policies/regexp.ts, so nothing there is reached), and the WATCHED array and
 * string properties below, which every decision checks first. The iterator
 * prototypes are frozen instead, and the globals read-only. Of `process` only the
 * pid and ppid are pinned (the bootstrap's watchdog reads ppid); its methods
 * stay writable (graceful-fs replaces process.cwd and process.chdir): the
 * guard holds its own bound copies of what it calls.
 */
import { isProxy as isProxyValue } from 'node:util/types';

const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const StringCtor = String;
const TypeErrorCtor = TypeError;

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

/** Every method and accessor of these is tamed. */
const WHOLE: ReadonlyArray<[object, string]> = [
  [Function.prototype, 'Function.prototype'],
  [Array.prototype, 'Array.prototype'],
  [String.prototype, 'String.prototype'],
  [Map.prototype, 'Map.prototype'],
  [Set.prototype, 'Set.prototype'],
  [WeakMap.prototype, 'WeakMap.prototype'],
  [WeakSet.prototype, 'WeakSet.prototype'],
  [Promise.prototype, 'Promise.prototype'],
  [TypedArrayPrototype, '%TypedArray%.prototype'],
  [Uint8Array.prototype, 'Uint8Array.prototype'],
  [Buffer.prototype, 'Buffer.prototype'],
  [ArrayBuffer.prototype, 'ArrayBuffer.prototype'],
  [Object, 'Object'],
  [Array, 'Array'],
  [String, 'String'],
  [Promise, 'Promise'],
  [Reflect, 'Reflect'],
  [JSON, 'JSON'],
  [Number, 'Number'],
  [Buffer, 'Buffer'],
  [ArrayBuffer, 'ArrayBuffer'],
  [Map, 'Map'],
  [Set, 'Set'],
];

/**
 * A Buffer reaches %TypedArray%.prototype through Buffer.prototype and
 * Uint8Array.prototype, both extensible: an own `length` getter defined on
 * Buffer.prototype would shadow the tamed one (Node's Buffer.prototype.toString
 * reads `this.length`). So these get every key of the prototypes above them,
 * tamed, with the same value.
 */
const INTERMEDIATE: ReadonlyArray<[object, string, object]> = [
  [Uint8Array.prototype, 'Uint8Array.prototype', TypedArrayPrototype],
  [Buffer.prototype, 'Buffer.prototype', Uint8Array.prototype],
  [Buffer.prototype, 'Buffer.prototype', TypedArrayPrototype],
];

/** Hooks looked up on a string argument (split, replace, replaceAll, match, search). */
const STRING_HOOKS: readonly symbol[] = [Symbol.split, Symbol.replace, Symbol.match, Symbol.matchAll, Symbol.search];

/** Besides WHOLE: named methods (Math is shared with seeded-random libraries that replace Math.random). */
const METHODS: ReadonlyArray<[object, string, readonly (string | symbol)[]]> = [
  [Function.prototype, 'Function.prototype', ['apply', 'call', 'bind', 'toString', Symbol.hasInstance]],
  [
    Array.prototype,
    'Array.prototype',
    [
      'find',
      'findIndex',
      'some',
      'every',
      'map',
      'filter',
      'includes',
      'indexOf',
      'join',
      'slice',
      'splice',
      'push',
      'pop',
      'shift',
      'concat',
      'forEach',
      'reduce',
      'sort',
      'entries',
      'keys',
      'values',
    ],
  ],
  [
    String.prototype,
    'String.prototype',
    [
      'startsWith',
      'endsWith',
      'slice',
      'substring',
      'includes',
      'indexOf',
      'lastIndexOf',
      'split',
      'replace',
      'replaceAll',
      'charCodeAt',
      'trim',
      'toLowerCase',
      'toUpperCase',
      'padStart',
      'normalize',
      'match',
      'matchAll',
    ],
  ],
  [Map.prototype, 'Map.prototype', ['get', 'set', 'has', 'delete', 'clear', 'entries', 'keys', 'values', 'forEach', Symbol.iterator]],
  [Set.prototype, 'Set.prototype', ['add', 'has', 'delete', 'clear', 'values', 'keys', 'entries', 'forEach', Symbol.iterator]],
  [WeakMap.prototype, 'WeakMap.prototype', ['get', 'set', 'has', 'delete']],
  [WeakSet.prototype, 'WeakSet.prototype', ['add', 'has', 'delete']],
  [Promise.prototype, 'Promise.prototype', ['then', 'catch', 'finally', 'constructor']],
  [Promise, 'Promise', ['resolve', 'reject', 'all', Symbol.species]],
  [
    Object,
    'Object',
    [
      'defineProperty',
      'defineProperties',
      'getOwnPropertyDescriptor',
      'getPrototypeOf',
      'freeze',
      'isFrozen',
      'keys',
      'entries',
      'assign',
      'create',
      'hasOwn',
      'fromEntries',
    ],
  ],
  [Reflect, 'Reflect', ['apply', 'construct', 'defineProperty', 'get', 'ownKeys']],
  [JSON, 'JSON', ['stringify', 'parse']],
  [Uint8Array.prototype, 'Uint8Array.prototype', ['subarray', 'slice']],
  [Buffer, 'Buffer', ['from', 'isBuffer', 'byteLength', 'alloc', 'allocUnsafe', 'concat']],
  [Buffer.prototype, 'Buffer.prototype', ['toString', 'equals', 'subarray', 'slice', 'write']],
  [URL.prototype, 'URL.prototype', ['toString']],
  [Number, 'Number', ['isInteger', 'isFinite', 'parseInt']],
  // Subclass hooks: Array.prototype.slice & co. must build plain arrays.
  [Array, 'Array', ['from', 'isArray', 'of']],
  [Map, 'Map', [Symbol.species]],
  [Set, 'Set', [Symbol.species]],
  [ArrayBuffer, 'ArrayBuffer', [Symbol.species, 'isView']],
];

const ITERATOR_PROTOTYPES: ReadonlyArray<[object, string]> = [
  [Object.getPrototypeOf([][Symbol.iterator]()), '%ArrayIteratorPrototype%'],
  [Object.getPrototypeOf(new Map()[Symbol.iterator]()), '%MapIteratorPrototype%'],
  [Object.getPrototypeOf(new Set()[Symbol.iterator]()), '%SetIteratorPrototype%'],
  [Object.getPrototypeOf(''[Symbol.iterator]()), '%StringIteratorPrototype%'],
  [Object.getPrototypeOf(/x/[Symbol.matchAll]('x')), '%RegExpStringIteratorPrototype%'],
];

/** Globals that polyfills assign (`global.Buffer = global.Buffer || ...`): tamed, so the same value is a no-op; the rest are read-only. */
const TAMED_GLOBALS: ReadonlySet<string> = new Set(['URL', 'Buffer', 'Promise']);

/** The constructors and namespaces the guard looks up as globals at call time (instanceof, statics). */
export const GUARDED_GLOBALS: readonly string[] = Object.freeze([
  'URL',
  'Buffer',
  'Uint8Array',
  'Promise',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Reflect',
  'JSON',
  'Object',
  'Array',
  'Function',
  'String',
  'Error',
  'TypeError',
  'Number',
  'Math',
]);

function keyName(name: string | symbol): string {
  return typeof name === 'symbol' ? `[${StringCtor(name.description)}]` : `.${name}`;
}

/**
 * Makes `home[name]` a non-configurable accessor that always reads as its
 * present value: assignment through an inheriting object makes an own
 * property there; assignment on `home` itself is refused (a same-value one is a no-op).
 */
export function tameProperty(home: object, label: string, name: string | symbol): void {
  const d = getOwnPropertyDescriptor(home, name);
  if (!d?.configurable) return;
  if (!('value' in d)) {
    defineProperty(home, name, { get: d.get, set: d.set, configurable: false, enumerable: d.enumerable ?? false });
    return;
  }
  const value: unknown = d.value;
  const where = `${label}${keyName(name)}`;
  const originalValue = function originalValue() {
    return value;
  };
  // SES's convention: a getter that emulates a data property carries it as `originalValue`, and
  // libraries that walk descriptors (get-intrinsic, under es-abstract and much of npm) read that
  // instead of calling the getter or taking it for the method.
  defineProperty(originalValue, 'originalValue', { value, writable: false, enumerable: false, configurable: false });
  defineProperty(home, name, {
    get: originalValue,
    set: function overrideValue(this: unknown, next: unknown) {
      if (this === home) {
        if (next === value) return;
        throw new TypeErrorCtor(
          `sleeve-sandbox: ${where} cannot be replaced inside a sleeve (the sandbox's guard relies on it); assign it on your own object or subclass instead`,
        );
      }
      // A primitive receiver has nowhere to hold a property (sloppy code ignores it too).
      if (this === null || (typeof this !== 'object' && typeof this !== 'function')) return;
      defineProperty(this, name, { value: next, writable: true, enumerable: true, configurable: true });
    },
    configurable: false,
    enumerable: d.enumerable ?? false,
  });
}

const getPrototypeOf = Object.getPrototypeOf;
const hasOwn = Object.hasOwn;
const isProxy = isProxyValue;

/**
 * Left as they are and watched instead (intrinsicsReplaced): V8 keeps fast paths for array
 * spreads, for-of, destructuring and map/filter/slice only while these are untouched, and
 * redefining one, even with its own value, drops them for the whole process (a sleeve's
 * `arr.map` ran 21x slower, a spread 8x).
 */
const WATCHED: ReadonlyArray<[object, string | symbol, string]> = [
  [Array.prototype, 'constructor', 'Array.prototype.constructor'],
  [Array.prototype, Symbol.iterator, 'Array.prototype[Symbol.iterator]'],
  [Array, Symbol.species, 'Array[Symbol.species]'],
  [String.prototype, Symbol.iterator, 'String.prototype[Symbol.iterator]'],
];
const watched = (target: object, name: string | symbol): boolean => {
  for (let i = 0; i < WATCHED.length; i++) {
    const w = WATCHED[i] as [object, string | symbol, string];
    if (w[0] === target && w[1] === name) return true;
  }
  return false;
};
const WATCHED_AT_START = WATCHED.map(([target, name]) => getOwnPropertyDescriptor(target, name));

/** The first watched intrinsic that is not what it was when the sandbox loaded (a decision must then be refused), or undefined. */
export function intrinsicsReplaced(): string | undefined {
  // Indexes, never destructuring: an array pattern calls Array.prototype[Symbol.iterator], one of those watched.
  for (let i = 0; i < WATCHED.length; i++) {
    const w = WATCHED[i] as [object, string | symbol, string];
    const target = w[0];
    const name = w[1];
    const label = w[2];
    const was = WATCHED_AT_START[i];
    const now = getOwnPropertyDescriptor(target, name);
    if (
      was === undefined ||
      now === undefined ||
      now.value !== was.value ||
      now.get !== was.get ||
      now.set !== was.set ||
      now.writable !== was.writable ||
      now.configurable !== was.configurable
    ) {
      return `${label} was replaced`;
    }
  }
  // The symbol hooks a string argument is asked for ('a/b'.split('/') looks up '/'[Symbol.split]): none may be
  // planted along String.prototype's chain. Left absent, not occupied: occupying them made V8 drop its fast
  // path for split with a string (3.4x on Node 22 and 24).
  return plantedOnStringChain(STRING_HOOKS);
}

/**
 * Whether any of `keys` is an own property of String.prototype or of an object above it (or the chain
 * holds a Proxy, or is too long to walk): what a string primitive would find there, and run.
 */
export function plantedOnStringChain(keys: readonly (string | symbol)[]): string | undefined {
  let o: unknown = String.prototype;
  for (let depth = 0; o !== null && depth < 16; depth++) {
    if (isProxy(o)) return 'a Proxy is on the String.prototype chain';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string | symbol;
      if (!hasOwn(o as object, key)) continue;
      return o === String.prototype
        ? `String.prototype${keyName(key)} is defined`
        : `an object on the String.prototype chain defines ${typeof key === 'string' ? key : String(key.description)}`;
    }
    o = getPrototypeOf(o);
  }
  return o === null ? undefined : 'the String.prototype chain is too long';
}

export function hardenIntrinsics(): void {
  for (const [target, label] of WHOLE) {
    for (const name of Reflect.ownKeys(target)) {
      if (watched(target, name)) continue;
      const d = getOwnPropertyDescriptor(target, name);
      if (name === 'constructor' && d?.configurable && 'value' in d) {
        // Kept a data property: util.inspect names a value by its prototype's `constructor` DATA
        // property (an accessor made every array print as `Object(n) [...]`). Read-only where the
        // guard relies on species lookups (Array.prototype.slice & co. read `this.constructor`);
        // left writable on the typed-array prototypes, whose instances the guard never builds and
        // which polyfills assign on an instance (`ta.constructor = ...`, es-shims' typedarray.prototype.slice).
        if (target !== TypedArrayPrototype && getPrototypeOf(target) !== TypedArrayPrototype) {
          defineProperty(target, name, { value: d.value, writable: false, configurable: false, enumerable: d.enumerable ?? false });
        }
        continue;
      }
      if (d?.configurable && (!('value' in d) || typeof d.value === 'function' || (target === String.prototype && d.value === undefined))) {
        tameProperty(target, label, name);
      }
    }
  }
  for (const [target, label, names] of METHODS) for (const name of names) tameProperty(target, label, name);
  for (const [target, label, above] of INTERMEDIATE) {
    for (const name of Reflect.ownKeys(above)) {
      const d = getOwnPropertyDescriptor(above, name);
      if (name === 'constructor' || !d || getOwnPropertyDescriptor(target, name) !== undefined) continue;
      if (!('value' in d)) defineProperty(target, name, { get: d.get, set: d.set, configurable: false, enumerable: d.enumerable ?? false });
      else if (typeof d.value === 'function') {
        defineProperty(target, name, { value: d.value, writable: true, configurable: true, enumerable: d.enumerable ?? false });
        tameProperty(target, label, name);
      }
    }
  }
  // Frozen, not tamed: redefining `next` one by one makes V8 drop its fast paths (below).
  for (const [proto] of ITERATOR_PROTOTYPES) Object.freeze(proto);
  tameProperty(Object.getPrototypeOf(ITERATOR_PROTOTYPES[0]?.[0] as object) as object, '%IteratorPrototype%', Symbol.iterator);
  for (const name of ['pid', 'ppid']) {
    const d = getOwnPropertyDescriptor(process, name);
    // A native data property: redefined with its own value it keeps reading the live value.
    if (d?.configurable && 'value' in d)
      defineProperty(process, name, { value: d.value, writable: false, configurable: false, enumerable: d.enumerable ?? true });
  }
  // The constructors the guard checks with instanceof must stay the ones it knows.
  for (const name of GUARDED_GLOBALS) {
    const d = getOwnPropertyDescriptor(globalThis, name);
    if (d && !('value' in d) && d.get) {
      // A lazy global (Buffer on Node 20): pin the value it has now, then tame it.
      defineProperty(globalThis, name, { value: d.get.call(globalThis), writable: true, configurable: true, enumerable: d.enumerable ?? false });
    }
    if (TAMED_GLOBALS.has(name)) tameProperty(globalThis, 'globalThis', name);
    else {
      // Read-only instead: nothing inherits from globalThis, so there is no override mistake to tame, and a
      // global read through an accessor is what made `Math.sqrt` in a sleeve's loop 4.7x slower.
      const now = getOwnPropertyDescriptor(globalThis, name);
      if (now?.configurable && 'value' in now)
        defineProperty(globalThis, name, { value: now.value, writable: false, configurable: false, enumerable: now.enumerable ?? false });
    }
  }
}
