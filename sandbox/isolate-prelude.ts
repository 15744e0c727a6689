/**
 * The code that runs first inside a sleeve's isolate, before any sleeve code:
 * it builds `ctx` (and a `console` that writes to the run's logs) on top of
 * the one function the host lends it, and then calls the sleeve's default
 * export.
 *
 * This is not a security boundary: the sleeve shares the isolate with it and
 * can undo anything it does to its own copy. The boundary is the host side
 * (`isolate-host.ts`), which receives only copies of primitive data and
 * validates every call. What the prelude is for is fidelity: ctx behaves as in
 * process mode (promises, the same error `code` and message), built from
 * intrinsics captured before sleeve code could replace them.
 *
 * `host(op, a, b, c)` is synchronous. It returns the result, or throws when
 * the operation failed; `host('error')` then returns the failure as plain data
 * ({ name, message, code, errno, syscall, path, dest, sleeveSandbox }).
 * `host('now')` is the host's monotonic clock (ms since the isolate started)
 * and `host('random', n)` n random bytes, `host('platformUrl')` the source of
 * the platform's URL script: the web platform's services.
 *
 * `platform` is the web platform's `install` (isolate-platform/entry.js), run
 * here before any sleeve code. What the prelude returns is the host's one
 * handle: `control('start', main)` calls the default export,
 * `control('next')` says when the earliest timer is due (-1: none keeps the
 * sleeve alive) and `control('tick', now)` runs one due timer. `done` takes
 * 'returned' or 'threw' for the default export's outcome, and 'fatal' for an
 * exception nothing caught (a timer or a microtask threw), which ends the
 * sleeve as an uncaught exception ends a Node process.
 */
export const PRELUDE_SOURCE = String.raw`(function sleeveSandboxPrelude(host, done, meta, platform) {
  'use strict';
  const freeze = Object.freeze;
  const keys = Object.keys;
  const hasOwn = Object.prototype.hasOwnProperty;
  const call = Function.prototype.call.bind(Function.prototype.call);
  const toTag = Object.prototype.toString;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isView = ArrayBuffer.isView;
  const resolve = Promise.resolve.bind(Promise);
  const reject = Promise.reject.bind(Promise);
  const then = Promise.prototype.then;
  const U8 = Uint8Array;
  const AB = ArrayBuffer;
  const ctors = { Error, TypeError, RangeError, SyntaxError };
  const S = String;

  // The host sets its failure before it throws; with none set, the call failed on this side
  // (an argument that cannot be copied, no stack left), and that error is the answer.
  const fail = (original) => {
    const info = host('error');
    if (!info) return original;
    const Ctor = hasOwn.call(ctors, info.name) ? ctors[info.name] : Error;
    const error = new Ctor(S(info.message));
    for (const k of ['code', 'errno', 'syscall', 'path', 'dest', 'sleeveSandbox']) {
      if (info[k] !== undefined) error[k] = info[k];
    }
    return error;
  };
  const op = (name, a, b, c) => {
    try {
      return host(name, a, b, c);
    } catch (original) {
      throw fail(original);
    }
  };
  const bytes = (v) => (v instanceof AB ? new U8(v) : v);
  const promised = (fn) =>
    function () {
      try {
        return resolve(fn(arguments[0], arguments[1], arguments[2]));
      } catch (error) {
        return reject(error);
      }
    };

  const inspect = (v, seen) => {
    if (typeof v === 'string') return v;
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return S(v);
    try {
      if (v instanceof Error) return typeof v.stack === 'string' ? v.stack : S(v);
      if (typeof v === 'function') return '[Function ' + (v.name || '(anonymous)') + ']';
      if (isView(v)) return call(toTag, v) + ' ' + v.byteLength + ' bytes';
      const text = stringify(v);
      return text === undefined ? call(toTag, v) : text;
    } catch {
      return call(toTag, v);
    }
  };
  const format = (args) => {
    let out = '';
    for (let i = 0; i < args.length; i++) out += (i === 0 ? '' : ' ') + inspect(args[i]);
    return out;
  };
  const log = function () {
    host('log', format(arguments));
  };
  const logErr = function () {
    host('logErr', format(arguments));
  };

  const fs = freeze({
    readFile: promised((file, encoding) => bytes(op('readFile', file, encoding))),
    readText: promised((file) => op('readFile', file, 'utf8')),
    readJson: promised((file) => parse(op('readFile', file, 'utf8'))),
    writeFile: promised((file, data) => {
      op('writeFile', file, data);
    }),
    writeText: promised((file, text) => {
      op('writeFile', file, text, 'utf8');
    }),
    writeJson: promised((file, value) => {
      op('writeFile', file, stringify(value, null, 2) + '\n', 'utf8');
    }),
    appendFile: promised((file, data) => {
      op('appendFile', file, data);
    }),
    readdir: promised((dir) => op('readdir', dir)),
    stat: promised((file) => op('stat', file)),
    exists: promised((file) => op('exists', file)),
    mkdir: promised((dir, options) => {
      op('mkdir', dir, options);
    }),
    rm: promised((file, options) => {
      op('rm', file, options);
    }),
    rename: promised((from, to) => {
      op('rename', from, to);
    }),
  });

  const env = {};
  for (const k of keys(meta.env)) env[k] = meta.env[k];
  const ctx = freeze({
    runId: meta.runId,
    runDir: meta.runDir,
    name: meta.name,
    workspace: meta.workspace,
    args: freeze(meta.args.slice()),
    env: freeze(env),
    fs,
    log,
  });
  globalThis.console = freeze({ log, info: log, debug: log, warn: logErr, error: logErr, trace: logErr });

  const describe = (error) => {
    try {
      return inspect(error).slice(0, 4000);
    } catch {
      return 'a value that cannot be described was thrown';
    }
  };
  const timers = platform({
    now: () => host('now'),
    random: (n) => host('random', n),
    fatal: (error) => done('fatal', describe(error)),
    urlSource: () => host('platformUrl'),
  });
  const next = timers.next;
  const tick = timers.tick;

  const start = function (main) {
    if (typeof main !== 'function') {
      done('returned', '');
      return;
    }
    let result;
    try {
      result = main(ctx);
    } catch (error) {
      done('threw', describe(error));
      return;
    }
    try {
      call(then, resolve(result), () => done('returned', ''), (error) => done('threw', describe(error)));
    } catch (error) {
      done('threw', describe(error));
    }
  };
  return function control(op, arg) {
    if (op === 'start') return start(arg);
    if (op === 'next') return next();
    if (op === 'tick') return tick(arg);
  };
})`;
