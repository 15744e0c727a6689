/**
 * The guard runs in the same JS realm as the sleeve, so it must not be
 * steerable through the built-ins it calls: a sleeve that replaces
 * Array.prototype.find or Function.prototype.apply could otherwise change
 * what the guard decides or what it calls. Before any sleeve code runs, the
 * methods the guard and the engine use are made read-only and
 * non-configurable on their prototypes. Whole prototypes are not frozen (that
 * breaks ordinary code such as `this.name = ...` in an Error subclass).
 */
const METHODS: ReadonlyArray<[object, readonly (string | symbol)[]]> = [
  [Function.prototype, ['apply', 'call', 'bind', 'toString', Symbol.hasInstance]],
  [
    Array.prototype,
    ['find', 'findIndex', 'some', 'every', 'map', 'filter', 'includes', 'indexOf', 'join', 'slice', 'splice', 'push', 'pop', 'shift', 'concat', 'forEach', 'reduce', 'sort', 'entries', 'keys', 'values', Symbol.iterator],
  ],
  [
    String.prototype,
    ['startsWith', 'endsWith', 'slice', 'substring', 'includes', 'indexOf', 'lastIndexOf', 'split', 'replace', 'replaceAll', 'charCodeAt', 'trim', 'toLowerCase', 'toUpperCase', 'padStart', 'normalize', 'match', 'matchAll', Symbol.iterator],
  ],
  [RegExp.prototype, ['test', 'exec', Symbol.replace, Symbol.split, Symbol.match, Symbol.matchAll, Symbol.search]],
  [Map.prototype, ['get', 'set', 'has', 'delete', 'clear', 'entries', 'keys', 'values', 'forEach', Symbol.iterator]],
  [Set.prototype, ['add', 'has', 'delete', 'clear', 'values', 'keys', 'entries', 'forEach', Symbol.iterator]],
  [WeakMap.prototype, ['get', 'set', 'has', 'delete']],
  [WeakSet.prototype, ['add', 'has', 'delete']],
  [Promise.prototype, ['then', 'catch', 'finally']],
  [Promise, ['resolve', 'reject', 'all']],
  [Object, ['defineProperty', 'defineProperties', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'freeze', 'isFrozen', 'keys', 'entries', 'assign', 'create', 'hasOwn', 'fromEntries']],
  [Reflect, ['apply', 'construct', 'defineProperty', 'get', 'ownKeys']],
  [JSON, ['stringify', 'parse']],
  [Uint8Array.prototype, ['subarray', 'slice']],
  [Buffer, ['from', 'isBuffer', 'byteLength', 'alloc', 'allocUnsafe', 'concat']],
  [Buffer.prototype, ['toString', 'equals', 'subarray', 'slice', 'write']],
  [URL.prototype, ['toString']],
  [Number, ['isInteger', 'isFinite', 'parseInt']],
  [Math, ['max', 'min', 'round', 'floor']],
];

const ITERATOR_PROTOTYPES: object[] = [
  Object.getPrototypeOf([][Symbol.iterator]()),
  Object.getPrototypeOf(new Map()[Symbol.iterator]()),
  Object.getPrototypeOf(new Set()[Symbol.iterator]()),
  Object.getPrototypeOf(''[Symbol.iterator]()),
  Object.getPrototypeOf(/x/[Symbol.matchAll]('x')),
];

export function hardenIntrinsics(): void {
  const all: Array<[object, readonly (string | symbol)[]]> = [
    ...METHODS,
    ...ITERATOR_PROTOTYPES.map((p): [object, readonly (string | symbol)[]] => [p, ['next', Symbol.iterator]]),
    [Object.getPrototypeOf(ITERATOR_PROTOTYPES[0] as object) as object, [Symbol.iterator]],
    // Subclass hooks: Array.prototype.slice & co. must build plain arrays.
    [Array, [Symbol.species, 'from', 'isArray', 'of']],
    [Promise, [Symbol.species]],
    [Map, [Symbol.species]],
    [Set, [Symbol.species]],
    [RegExp, [Symbol.species]],
    [ArrayBuffer, [Symbol.species, 'isView']],
    [Array.prototype, ['constructor']],
    [Promise.prototype, ['constructor']],
    // What the guard asks of the process must keep meaning what it meant.
    [process, ['cwd', 'chdir', 'pid', 'ppid', 'kill', 'binding', 'dlopen', 'emitWarning', 'nextTick', 'exit', 'reallyExit']],
  ];
  for (const [target, names] of all) {
    for (const name of names) {
      const d = Object.getOwnPropertyDescriptor(target, name);
      if (!d || !d.configurable) continue;
      if ('value' in d) Object.defineProperty(target, name, { value: d.value, writable: false, configurable: false, enumerable: d.enumerable ?? false });
      else Object.defineProperty(target, name, { get: d.get, set: d.set, configurable: false, enumerable: d.enumerable ?? false });
    }
  }
  // The constructors the guard checks with instanceof must stay the ones it knows.
  for (const name of ['URL', 'Buffer', 'Uint8Array', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Reflect', 'JSON', 'Object', 'Array', 'Function', 'String']) {
    const d = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!d?.configurable) continue;
    if ('value' in d) Object.defineProperty(globalThis, name, { value: d.value, writable: false, configurable: false, enumerable: d.enumerable ?? false });
    else Object.defineProperty(globalThis, name, { get: d.get, set: d.set, configurable: false, enumerable: d.enumerable ?? false });
  }
}
