/**
 * The web platform of a sleeve's isolate: what a library expects of a
 * JavaScript runtime beyond ECMAScript (TextEncoder/TextDecoder, URL,
 * URLSearchParams, atob/btoa, structuredClone, DOMException, queueMicrotask, setImmediate, self,
 * timers, performance.now, crypto.getRandomValues/randomUUID, Buffer).
 *
 * This file runs INSIDE the isolate. scripts/bundle-sandbox.js bundles it with
 * its packages into one script (dist/sandbox/isolate-platform.js exports it as
 * a string) that evaluates to `install`; the isolate host runs it before the
 * prelude, and the prelude calls `install` with functions of its own (`now`,
 * `random`, `fatal`, `urlSource`), each built on the one host function. Like the
 * prelude it is not a security boundary (the sleeve shares the isolate and can
 * replace any of it): the host validates what these functions send, and only
 * copies of primitive data cross. It is built from intrinsics captured before
 * sleeve code runs, so the sleeve breaking a global breaks only its own code.
 *
 * Choices (README "Packages in isolate mode"): `buffer` (feross; the pure
 * Buffer browserify ships), `@exodus/bytes` encoding-lite (a maintained,
 * spec-faithful WHATWG TextDecoder/TextEncoder: every label, `fatal`,
 * `ignoreBOM`, `stream`; the lite entry leaves out only the CJK multi-byte
 * tables), `whatwg-url` (the URL Standard's reference implementation).
 * atob/btoa, structuredClone and DOMException are small and written here
 * against the specs, over the isolate's own types.
 *
 * Timers are driven by the host: `install` returns `next()` (when the earliest
 * timer that keeps the sleeve alive is due, or -1) and `tick(now)` (run one due
 * timer). The host sleeps until then and calls `tick`, one timer per call so
 * that microtasks run between timers as in Node; all of it bounded by the
 * sleeve's timeout. The timer table lives in the isolate's heap: its memory
 * limit bounds a flood.
 */
import { Buffer } from 'buffer';
import { TextDecoder, TextEncoder } from '@exodus/bytes/encoding-lite.js';

const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const keys = Object.keys;
const apply = Reflect.apply;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const fromCharCode = String.fromCharCode;
const captureStackTrace = Error.captureStackTrace;
// biome-ignore lint/security/noGlobalEval: indirect eval of the bundled URL script the host hands in
const indirectEval = eval;
const toTag = Object.prototype.toString;
const hasOwn = Object.prototype.hasOwnProperty;
const promiseThen = Promise.prototype.then;
const resolved = Promise.resolve();
const mapSet = Map.prototype.set;
const mapGet = Map.prototype.get;
const mapHas = Map.prototype.has;
const mapDelete = Map.prototype.delete;
const mapEntries = Map.prototype.entries;
const setAdd = Set.prototype.add;
const setValues = Set.prototype.values;
const mapIterNext = getPrototypeOf(new Map().entries()).next;
const setIterNext = getPrototypeOf(new Set().values()).next;
const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;
const TypedArray = getPrototypeOf(Uint8Array);
const typedArrayTag = getter(TypedArray.prototype, Symbol.toStringTag);
const typedArrayLength = getter(TypedArray.prototype, 'length');
const typedArrayBuffer = getter(TypedArray.prototype, 'buffer');
const typedArrayOffset = getter(TypedArray.prototype, 'byteOffset');
const typedArrayByteLength = getter(TypedArray.prototype, 'byteLength');
const dataViewBuffer = getter(DataView.prototype, 'buffer');
const dataViewOffset = getter(DataView.prototype, 'byteOffset');
const dataViewLength = getter(DataView.prototype, 'byteLength');
const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const abSlice = ArrayBuffer.prototype.slice;
const abTransfer = ArrayBuffer.prototype.transfer;
const sabByteLength = typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;
const mapSize = getter(Map.prototype, 'size');
const setSize = getter(Set.prototype, 'size');
const regexpSource = getter(RegExp.prototype, 'source');
const regexpFlags = getter(RegExp.prototype, 'flags');
const dateGetTime = Date.prototype.getTime;
const valueOfs = [
  [Boolean, Boolean.prototype.valueOf],
  [Number, Number.prototype.valueOf],
  [String, String.prototype.valueOf],
  [BigInt, BigInt.prototype.valueOf],
];
const symbolValueOf = Symbol.prototype.valueOf;
const uncloneable = [Promise.prototype.then, WeakMap.prototype.has, WeakSet.prototype.has, WeakRef.prototype.deref, FinalizationRegistry.prototype.register];
const uncloneableNames = ['Promise', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry'];
const typedArrays = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};
const errorCtors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
const U8 = Uint8Array;
const S = String;

/** True when `fn` accepts `v` as its receiver (an internal-slot brand check). */
const is = (fn, v) => {
  try {
    apply(fn, v, []);
    return true;
  } catch {
    return false;
  }
};

// --- DOMException (WebIDL) -------------------------------------------------------------------
const DOM_CODES = {
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};
class DOMException extends Error {
  constructor(message = '', name = 'Error') {
    super(S(message));
    defineProperty(this, 'name', { value: S(name), writable: true, configurable: true, enumerable: false });
    if (captureStackTrace) captureStackTrace(this, DOMException);
  }
  get code() {
    return apply(hasOwn, DOM_CODES, [this.name]) ? DOM_CODES[this.name] : 0;
  }
  get [Symbol.toStringTag]() {
    return 'DOMException';
  }
}
for (const [name, code] of Object.entries(DOM_CODES)) {
  const constant = name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/_ERROR$/, '_ERR');
  defineProperty(DOMException, constant, { value: code, enumerable: true });
  defineProperty(DOMException.prototype, constant, { value: code, enumerable: true });
}

// --- atob / btoa (HTML: forgiving-base64) ------------------------------------------------------
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

function btoa(data) {
  // biome-ignore lint/complexity/noArguments: a missing argument is a TypeError, unlike undefined (WebIDL)
  if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
  const s = S(data);
  let out = '';
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i);
    const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
    if (a > 255 || b > 255 || c > 255) throw new DOMException('Invalid character', 'InvalidCharacterError');
    const n = (a << 16) | (b << 8) | c;
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=');
  }
  return out;
}

function atob(data) {
  // biome-ignore lint/complexity/noArguments: a missing argument is a TypeError, unlike undefined (WebIDL)
  if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
  const bad = () => new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
  let s = S(data).replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/==?$/, '');
  if (s.length % 4 === 1) throw bad();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const v = code < 128 ? B64_INDEX[code] : -1;
    if (v < 0) throw bad();
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += fromCharCode((acc >> bits) & 255);
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

// --- structuredClone (HTML: StructuredSerialize over this isolate's own types) ----------------
const cloneError = (what) => new DOMException(`${what} could not be cloned.`, 'DataCloneError');

function cloneBuffer(buffer, memory) {
  if (apply(mapHas, memory, [buffer])) return apply(mapGet, memory, [buffer]);
  let copy;
  if (sabByteLength && is(sabByteLength, buffer))
    copy = buffer; // shared memory stays shared
  else copy = apply(abSlice, buffer, [0]);
  apply(mapSet, memory, [buffer, copy]);
  return copy;
}

function cloneValue(v, memory) {
  const type = typeof v;
  if (type === 'function') throw cloneError(apply(Function.prototype.toString, v, []));
  if (type === 'symbol') throw cloneError(apply(symbolValueOf, v, []).toString());
  if (v === null || type !== 'object') return v;
  if (apply(mapHas, memory, [v])) return apply(mapGet, memory, [v]);
  const remember = (out) => {
    apply(mapSet, memory, [v, out]);
    return out;
  };
  for (const [, unbox] of valueOfs) if (is(unbox, v)) return remember(Object(apply(unbox, v, [])));
  if (is(symbolValueOf, v)) throw cloneError('Symbol()');
  if (is(dateGetTime, v)) return remember(new Date(apply(dateGetTime, v, [])));
  if (is(regexpFlags, v) && is(regexpSource, v) && apply(toTag, v, []) === '[object RegExp]') {
    return remember(new RegExp(apply(regexpSource, v, []), apply(regexpFlags, v, [])));
  }
  if (is(abByteLength, v) || (sabByteLength && is(sabByteLength, v))) return cloneBuffer(v, memory);
  if (isView(v)) {
    const tag = apply(typedArrayTag, v, []);
    if (tag !== undefined) {
      const buffer = cloneBuffer(apply(typedArrayBuffer, v, []), memory);
      return remember(new typedArrays[tag](buffer, apply(typedArrayOffset, v, []), apply(typedArrayLength, v, [])));
    }
    const buffer = cloneBuffer(apply(dataViewBuffer, v, []), memory);
    return remember(new DataView(buffer, apply(dataViewOffset, v, []), apply(dataViewLength, v, [])));
  }
  if (is(mapSize, v)) {
    const out = remember(new Map());
    const entries = [];
    const it = apply(mapEntries, v, []);
    for (let r = apply(mapIterNext, it, []); !r.done; r = apply(mapIterNext, it, [])) entries.push(r.value);
    for (const [k, val] of entries) apply(mapSet, out, [cloneValue(k, memory), cloneValue(val, memory)]);
    return out;
  }
  if (is(setSize, v)) {
    const out = remember(new Set());
    const values = [];
    const it = apply(setValues, v, []);
    for (let r = apply(setIterNext, it, []); !r.done; r = apply(setIterNext, it, [])) values.push(r.value);
    for (const val of values) apply(setAdd, out, [cloneValue(val, memory)]);
    return out;
  }
  for (let i = 0; i < uncloneable.length; i++) {
    if (is(uncloneable[i], v) && uncloneableNames[i] !== 'Promise') throw cloneError(`#<${uncloneableNames[i]}>`);
  }
  if (apply(toTag, v, []) === '[object Promise]' || v instanceof Promise) throw cloneError('#<Promise>');
  if (apply(toTag, v, []) === '[object Error]') {
    const name = v.name;
    const Ctor = typeof name === 'string' && apply(hasOwn, errorCtors, [name]) ? errorCtors[name] : Error;
    const out = remember(new Ctor());
    const message = getOwnPropertyDescriptor(v, 'message');
    if (message && 'value' in message) defineProperty(out, 'message', { value: S(message.value), writable: true, configurable: true });
    const stack = v.stack;
    if (typeof stack === 'string') defineProperty(out, 'stack', { value: stack, writable: true, configurable: true });
    if (apply(hasOwn, v, ['cause'])) defineProperty(out, 'cause', { value: cloneValue(v.cause, memory), writable: true, configurable: true });
    return out;
  }
  const out = remember(isArray(v) ? new Array(v.length) : {});
  for (const k of keys(v)) out[k] = cloneValue(v[k], memory);
  return out;
}

function structuredClone(value, options) {
  // biome-ignore lint/complexity/noArguments: a missing argument is a TypeError, unlike undefined (WebIDL)
  if (arguments.length === 0) throw new TypeError('The "value" argument must be specified');
  const memory = new Map();
  const transfer = options?.transfer;
  if (transfer !== undefined && transfer !== null) {
    for (const t of transfer) {
      if (!is(abByteLength, t)) throw cloneError('Value not transferable');
      if (apply(mapHas, memory, [t])) throw new DOMException('An ArrayBuffer is detached and could not be cloned.', 'DataCloneError');
      apply(mapSet, memory, [t, undefined]);
    }
    const moved = [];
    for (const t of transfer) moved.push(t);
    for (const t of moved) {
      if (typeof abTransfer !== 'function') throw new DOMException('transferring an ArrayBuffer is not supported here', 'NotSupportedError');
      apply(mapSet, memory, [t, apply(abTransfer, t, [])]);
    }
  }
  return cloneValue(value, memory);
}

// --- Buffer: `buffer` 6 lacks Node's base64url encoding, which libraries (JWT, ids) use --------
const isBase64url = (encoding) => typeof encoding === 'string' && encoding.toLowerCase() === 'base64url';
const toBase64url = (base64) => base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
{
  // Its base64 decoder already reads the URL-safe alphabet and missing padding.
  const { from, byteLength, isEncoding } = Buffer;
  const { toString: bufferToString, write: bufferWrite } = Buffer.prototype;
  Buffer.from = function (value, encodingOrOffset, length) {
    return apply(from, this, [value, isBase64url(encodingOrOffset) && typeof value === 'string' ? 'base64' : encodingOrOffset, length]);
  };
  Buffer.byteLength = function (value, encoding) {
    return apply(byteLength, this, [value, isBase64url(encoding) ? 'base64' : encoding]);
  };
  Buffer.isEncoding = function (encoding) {
    return isBase64url(encoding) || apply(isEncoding, this, [encoding]);
  };
  Buffer.prototype.toString = function (...args) {
    if (isBase64url(args[0])) return toBase64url(apply(bufferToString, this, ['base64', args[1], args[2]]));
    return apply(bufferToString, this, args);
  };
  Buffer.prototype.write = function (...args) {
    for (let i = 1; i < args.length; i++) if (isBase64url(args[i])) args[i] = 'base64';
    return apply(bufferWrite, this, args);
  };
}

// --- the installer ------------------------------------------------------------------------------
const INTEGER_ARRAYS = new Set([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
]);
const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * Installs the platform's globals and returns the timer driver.
 * services.now(): milliseconds since the isolate started (the host's monotonic clock);
 * services.random(n): an ArrayBuffer of n random bytes (0 <= n <= 65536);
 * services.fatal(error): an exception nothing caught (a timer or a microtask threw);
 * services.urlSource(): the source of url.js's bundle (PLATFORM_URL_SOURCE).
 */
export function install(services) {
  const now = services.now;
  const random = services.random;
  const fatal = services.fatal;
  const urlSource = services.urlSource;
  const timeOrigin = Date.now() - now();

  // Timers: id -> entry; `next` scans (a sleeve has few; a flood costs the sleeve its own CPU and heap).
  const timers = new Map();
  let nextId = 1;
  let seq = 0;
  class Timeout {
    constructor(id) {
      defineProperty(this, '_id', { value: id });
    }
    ref() {
      const t = apply(mapGet, timers, [this._id]);
      if (t) t.ref = true;
      return this;
    }
    unref() {
      const t = apply(mapGet, timers, [this._id]);
      if (t) t.ref = false;
      return this;
    }
    hasRef() {
      const t = apply(mapGet, timers, [this._id]);
      return t ? t.ref : false;
    }
    refresh() {
      const t = apply(mapGet, timers, [this._id]);
      if (t) {
        t.due = now() + t.delay;
        t.seq = seq++;
      }
      return this;
    }
    close() {
      apply(mapDelete, timers, [this._id]);
      return this;
    }
    [Symbol.toPrimitive]() {
      return this._id;
    }
  }
  const schedule = (fn, delay, args, repeat) => {
    if (typeof fn !== 'function') throw new TypeError(`The "callback" argument must be of type function. Received ${fn === null ? 'null' : typeof fn}`);
    let ms = Number(delay);
    if (!(ms >= 1 && ms <= TIMEOUT_MAX)) ms = 1;
    const id = nextId++;
    apply(mapSet, timers, [id, { id, fn, args, delay: ms, repeat, due: now() + ms, seq: seq++, ref: true }]);
    return new Timeout(id);
  };
  const clear = (timer) => {
    if (timer === null || timer === undefined) return;
    const id = typeof timer === 'object' && timer instanceof Timeout ? timer._id : Number(timer);
    apply(mapDelete, timers, [id]);
  };
  function setTimeout(fn, delay, ...args) {
    return schedule(fn, delay, args, false);
  }
  function setInterval(fn, delay, ...args) {
    return schedule(fn, delay, args, true);
  }
  function clearTimeout(timer) {
    clear(timer);
  }
  function clearInterval(timer) {
    clear(timer);
  }
  // setImmediate: a timer due now (after the microtasks, with the timers already due), as libraries that yield with it expect.
  function setImmediate(fn, ...args) {
    return schedule(fn, 0, args, false);
  }
  function clearImmediate(immediate) {
    clear(immediate);
  }
  function queueMicrotask(callback) {
    if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
    apply(promiseThen, resolved, [
      () => {
        try {
          callback();
        } catch (error) {
          fatal(error);
        }
      },
    ]);
  }

  const earliest = (onlyRef) => {
    let best;
    const it = apply(mapEntries, timers, []);
    for (let r = apply(mapIterNext, it, []); !r.done; r = apply(mapIterNext, it, [])) {
      const t = r.value[1];
      if (onlyRef && !t.ref) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  };

  const crypto = {
    getRandomValues(array) {
      const tag = isView(array) ? apply(typedArrayTag, array, []) : undefined;
      if (tag === undefined || !INTEGER_ARRAYS.has(tag)) {
        throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
      }
      const length = apply(typedArrayByteLength, array, []);
      if (length > 65536) throw new DOMException('The requested length exceeds 65,536 bytes', 'QuotaExceededError');
      const bytes = new U8(random(length));
      new U8(apply(typedArrayBuffer, array, []), apply(typedArrayOffset, array, []), length).set(bytes);
      return array;
    },
    randomUUID() {
      const b = new U8(random(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      let hex = '';
      for (let i = 0; i < 16; i++) hex += (b[i] < 16 ? '0' : '') + b[i].toString(16) + (i === 3 || i === 5 || i === 7 || i === 9 ? '-' : '');
      return hex;
    },
  };
  defineProperty(crypto, Symbol.toStringTag, { value: 'Crypto' });
  const performance = {
    now: () => now(),
    timeOrigin,
    toJSON: () => ({ timeOrigin }),
  };
  defineProperty(performance, Symbol.toStringTag, { value: 'Performance' });

  const globals = {
    TextEncoder,
    TextDecoder,
    DOMException,
    atob,
    btoa,
    structuredClone,
    queueMicrotask,
    setTimeout,
    setInterval,
    clearTimeout,
    clearInterval,
    setImmediate,
    clearImmediate,
    crypto,
    performance,
    Buffer,
  };
  for (const name of keys(globals)) {
    defineProperty(globalThis, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
  }
  // Code built for browsers and workers finds its global as `self` (joi's browser build does).
  defineProperty(globalThis, 'self', { value: globalThis, writable: true, configurable: true, enumerable: false });
  // URL is its own script (url.js), compiled when a sleeve first asks for URL: its IDNA tables
  // would otherwise be most of every isolate's start-up. whatwg-url reads the global
  // TextEncoder/TextDecoder as it loads, which by then are these.
  let url;
  const loadUrl = () => {
    url ??= indirectEval(urlSource());
    return url;
  };
  for (const name of ['URL', 'URLSearchParams']) {
    defineProperty(globalThis, name, {
      get() {
        const value = loadUrl()[name];
        defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
        return value;
      },
      set(value) {
        defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
      },
      configurable: true,
      enumerable: false,
    });
  }

  return {
    /** When the earliest timer that keeps the sleeve alive is due (ms on `now`'s clock), or -1. */
    next() {
      const t = earliest(true);
      return t ? t.due : -1;
    },
    /** Runs the earliest timer due by `at`, if any (one per call: microtasks run between timers). */
    tick(at) {
      const t = earliest(false);
      if (!t || t.due > at) return;
      if (t.repeat) {
        t.due = at + t.delay;
        t.seq = seq++;
      } else {
        apply(mapDelete, timers, [t.id]);
      }
      try {
        apply(t.fn, undefined, t.args);
      } catch (error) {
        fatal(error);
      }
    },
  };
}
