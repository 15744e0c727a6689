/**
 * Isolate mode: the sleeve's code runs in a V8 isolate (isolated-vm) inside
 * the sleeve process, and this host is the only thing it can reach. The
 * isolate holds no Node API at all: no `process`, `require`, `import` of
 * built-ins or network (its web platform, timers included, is built inside
 * it: see below). Its only door out is one synchronous host
 * function, lent to the prelude, that takes copies of primitive data (strings,
 * plain objects, byte arrays) and performs `ctx.fs` operations through the
 * process's fs guard (the same policy engine, the same reports) under Node's
 * permission flags. No host object, function or reference is ever handed in:
 * results cross as copies, and failures as fresh isolate-side errors built
 * from plain data.
 *
 * Modules: the runner compiled each of the sleeve's files on its own; an
 * import resolves only to a file the runner saw the sleeve import, and it is
 * decided against the policy when it happens (a file a read-deny rule names
 * is refused and reported, as the bundler refuses it in process mode).
 * Everything else fails with an error that says what to do instead.
 *
 * Web platform: before the prelude, the host runs the platform script
 * (isolate-platform/entry.js bundled with its pure packages, see
 * PLATFORM_SOURCE): TextEncoder/TextDecoder, URL, atob/btoa, structuredClone,
 * timers, performance, crypto, Buffer, all built inside the isolate. Its only
 * host services are more operations of the same host function: `now` (a
 * number), `random` (at most 65536 bytes a call, copied in) and `platformUrl`
 * (the source of the platform's URL script, compiled in the isolate when a
 * sleeve first uses URL: its IDNA tables would otherwise be most of every
 * isolate's start).
 *
 * Timers: after the default export, the host drives the isolate's timer table
 * (one due timer a call, so microtasks run between timers); between timers it
 * sleeps this thread until the next is due. A sleeve ends when no timer that
 * keeps it alive is left (as a Node process does), when a timer or a microtask
 * throws (as an uncaught exception ends one), or at its timeout: a timer due
 * after the timeout is not waited for.
 *
 * Limits: the policy's memory limit is the isolate's memoryLimit; the
 * timeout bounds module evaluation, the default export and the timers
 * together (V8 terminates the isolate's execution when it passes, and since
 * the isolate only ever runs on this thread its CPU time is bounded by the
 * same clock).
 *
 * Errors: what the sleeve threw is printed with its name, message and stack,
 * its positions mapped back to the sleeve's own source through the inline
 * source maps of the compiled modules (source-map.ts), headed by the
 * thrower's file:line and source line as Node prints an uncaught exception.
 * Stack frames of the host are left out.
 */
import { randomBytes } from 'node:crypto';
import type fs from 'node:fs';
import { isBuiltin } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import path from 'node:path';
import type { CompiledPolicy } from '../policies/engine.js';
import { createFsOps } from './context.js';
import { PLATFORM_SOURCE, PLATFORM_URL_SOURCE } from './isolate-platform.js';
import { PRELUDE_SOURCE } from './isolate-prelude.js';
import type { IsolateConfig, IsolateStats, SandboxConfig } from './protocol.js';
import type { Reporter } from './reporter.js';
import { mapStack, type SourceMap, inlineSourceMap } from './source-map.js';

/** The slice of isolated-vm this host uses (the package ships no types we compile against). */
export interface Ivm {
  Isolate: new (options: { memoryLimit: number }) => IvmIsolate;
  Callback: new (fn: (...args: unknown[]) => unknown) => unknown;
  ExternalCopy: new (value: unknown) => { copyInto(options?: { release?: boolean }): unknown };
}
interface IvmReference {
  applySync(receiver: unknown, args: unknown[], options?: Record<string, unknown>): unknown;
  derefInto(): unknown;
  release(): void;
}
interface IvmModule {
  dependencySpecifiers: string[];
  namespace: IvmReference & { getSync(key: string, options?: Record<string, unknown>): IvmReference };
  instantiateSync(context: unknown, resolve: (specifier: string, referrer: IvmModule) => IvmModule): void;
  evaluateSync(options?: { timeout?: number }): unknown;
}
interface IvmIsolate {
  createContextSync(): unknown;
  compileModuleSync(code: string, options: { filename: string }): IvmModule;
  compileScriptSync(code: string, options: { filename: string }): { runSync(context: unknown, options: Record<string, unknown>): unknown };
  getHeapStatisticsSync(): Record<string, number>;
  cpuTime: bigint;
  wallTime: bigint;
  isDisposed: boolean;
  dispose(): void;
}

/** Exit codes of an isolate sleeve the runner reads together with a `limit` message. */
export const ISOLATE_EXIT = { threw: 1, limit: 75, unsettled: 13, hostFailure: 70 } as const;

export interface IsolateHostOptions {
  ivm: Ivm;
  config: SandboxConfig & { isolate: IsolateConfig };
  /** The guarded fs of this process: every ctx.fs operation goes through it. */
  fs: typeof fs;
  engine: CompiledPolicy;
  reporter: Reporter;
  /** Unguarded reads of the runner's compiled module files. */
  readCode: (file: string) => string;
  writeOut: (fd: 1 | 2, text: string) => void;
}

export interface IsolateOutcome {
  exitCode: number;
  stats: IsolateStats;
}

interface HostError {
  name: string;
  message: string;
  code?: string | number;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  sleeveSandbox?: unknown;
}

function toHostError(error: unknown): HostError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const e = error as NodeJS.ErrnoException & { dest?: unknown; sleeveSandbox?: unknown };
  const out: HostError = { name: e.name === 'TypeError' || e.name === 'RangeError' ? e.name : 'Error', message: e.message };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.errno === 'number') out.errno = e.errno;
  if (typeof e.syscall === 'string') out.syscall = e.syscall;
  if (typeof e.path === 'string') out.path = e.path;
  if (typeof e.dest === 'string') out.dest = e.dest;
  if (e.sleeveSandbox !== undefined) out.sleeveSandbox = JSON.parse(JSON.stringify(e.sleeveSandbox));
  return out;
}

/** A fresh ArrayBuffer of exactly the bytes (a Buffer may be a view into a shared pool). */
function exactBytes(view: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(view.byteLength);
  new Uint8Array(out).set(view);
  return out;
}

const MAX_LOG_LINE = 1024 * 1024;
/** The sleeve's isolate's share of the thread's stack (V8's default --stack-size on x64 is 984 KiB). */
const ISOLATE_STACK_KIB = 704;

/** getRandomValues's quota (WebCrypto): the most random bytes one call may ask for. */
export const RANDOM_QUOTA = 65536;

/** This thread waits (the isolate has nothing to run until its next timer). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

function nsToMs(ns: bigint): number {
  return Math.round(Number(ns) / 1e4) / 100;
}

export function runInIsolate(opts: IsolateHostOptions): IsolateOutcome {
  const { ivm, config, engine, reporter } = opts;
  const iso = config.isolate;
  const started = Date.now();
  const deadline = iso.timeoutMs === undefined ? undefined : started + iso.timeoutMs;
  const remaining = () => (deadline === undefined ? undefined : Math.max(1, deadline - Date.now()));
  // The isolate runs on this thread's stack, and a ctx call runs the host's guard on whatever stack the
  // isolate left. The sleeve's isolate gets 704 KiB of the thread's 984 KiB, so host code always has
  // room (about 250 KiB) to decide and report. The flag stays set: V8 takes an isolate's limit from
  // it when the isolate is first entered on a thread (Node's own isolate keeps the limit it had).
  setFlagsFromString(`--stack-size=${ISOLATE_STACK_KIB}`);
  // No onCatastrophicError: with one, isolated-vm parks this thread on an out-of-memory it cannot
  // recover from and waits for the handler to run on... this thread. Without one it aborts, and
  // the runner reports an abort with isolated-vm's heap report as oom.
  const isolate = new ivm.Isolate({ memoryLimit: Math.max(8, iso.memoryMiB) });
  const context = isolate.createContextSync();

  const ops = createFsOps(opts.fs);
  // The compiled code of each module loaded, for its inline source map (decoded when first needed).
  const codes = new Map<string, string>();
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      const code = codes.get(file);
      maps.set(file, code === undefined ? undefined : inlineSourceMap(code));
    }
    return maps.get(file);
  };
  const knownFrame = (line: string) => line.includes('sleeve-sandbox:') || [...codes.keys()].some((f) => line.includes(`file://${f}:`));
  const mapText = (text: string) => (text.includes('file://') ? mapStack(text, mapOf).text : text);
  const clockStart = performance.now();
  const clock = () => performance.now() - clockStart;
  let lastError: HostError | undefined;
  const host = new ivm.Callback((name: unknown, a: unknown, b: unknown, c: unknown) => {
    // isolated-vm's timeout does not count the time spent in host calls, so a loop of them (random
    // bytes, ctx.fs) would run several times past the timeout: past the deadline, any call ends it.
    if (deadline !== undefined && Date.now() >= deadline) {
      reporter.send({ t: 'limit', limit: 'timeout', detail: `the isolate ran past its timeout of ${iso.timeoutMs} ms and was stopped` });
      opts.writeOut(2, `sleeve-sandbox: the isolate ran past its timeout of ${iso.timeoutMs} ms and was stopped (in a call to the host)\n`);
      process.exit(ISOLATE_EXIT.limit);
    }
    if (name === 'now') return clock();
    if (name === 'platformUrl') return PLATFORM_URL_SOURCE;
    if (name === 'random') {
      lastError = undefined;
      if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a > RANDOM_QUOTA) {
        lastError = { name: 'RangeError', message: `random: a byte count from 0 to ${RANDOM_QUOTA} is expected` };
        throw new Error(lastError.message);
      }
      return exactBytes(randomBytes(a));
    }
    if (name === 'log' || name === 'logErr') {
      const text = mapText(typeof a === 'string' ? a : String(a));
      opts.writeOut(name === 'log' ? 1 : 2, `${text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE)}…` : text}\n`);
      return undefined;
    }
    if (name === 'error') {
      const e = lastError;
      lastError = undefined;
      return e;
    }
    lastError = undefined; // a failure the isolate never came to ask about must not answer for this call
    const fn = typeof name === 'string' ? ops.get(name) : undefined;
    if (!fn) {
      lastError = { name: 'TypeError', message: `ctx.fs has no operation ${JSON.stringify(String(name)).slice(0, 80)}` };
      throw new Error(lastError.message);
    }
    try {
      const value = fn(a, b, c);
      // Bytes cross as an ArrayBuffer of exactly the file (a Buffer can be a view into a shared pool).
      return value instanceof Uint8Array ? exactBytes(value) : value;
    } catch (error) {
      if (error instanceof RangeError && !('code' in error) && /call stack/.test(error.message)) {
        // The host ran out of stack in the middle of a decision (the isolate's smaller stack is meant
        // to rule this out): what was decided and reported can no longer be vouched for. Fail closed.
        opts.writeOut(2, 'sleeve-sandbox: the isolate host ran out of stack during a ctx call; the sleeve was ended\n');
        process.exit(ISOLATE_EXIT.hostFailure);
      }
      lastError = toHostError(error);
      // The message of what isolated-vm copies in does not matter: the prelude asks for lastError.
      throw new Error('ctx.fs failed');
    }
  });

  let outcome: { how: 'returned' | 'threw'; error: string } | undefined;
  let fatal: string | undefined;
  const done = new ivm.Callback((how: unknown, error: unknown) => {
    const text = typeof error === 'string' ? error.slice(0, 4000) : '';
    if (how === 'fatal') {
      fatal ??= text;
      return;
    }
    if (outcome) return;
    outcome = { how: how === 'threw' ? 'threw' : 'returned', error: text };
  });

  const stats = (): IsolateStats => {
    let heap: IsolateStats['heap'] = null;
    let cpuMs = 0;
    let wallMs = 0;
    try {
      cpuMs = nsToMs(isolate.cpuTime);
      wallMs = nsToMs(isolate.wallTime);
      const h = isolate.getHeapStatisticsSync();
      heap = {
        usedBytes: h.used_heap_size ?? 0,
        totalBytes: h.total_heap_size ?? 0,
        limitBytes: h.heap_size_limit ?? 0,
        externalBytes: h.externally_allocated_size ?? 0,
        mallocedPeakBytes: h.peak_malloced_memory ?? 0,
      };
    } catch {
      // disposed (out of memory): only what was measured before
    }
    return { cpuMs, wallMs, heap };
  };

  // A limit is taken from the isolate's state and the clock, never from an error's message: the
  // sleeve can throw any message it likes.
  const stopped = (limit: 'memory' | 'timeout', detail: string): IsolateOutcome => {
    reporter.send({ t: 'limit', limit, detail });
    opts.writeOut(2, `sleeve-sandbox: ${detail}\n`);
    return { exitCode: ISOLATE_EXIT.limit, stats: stats() };
  };
  const limitHit = (error: unknown): IsolateOutcome | undefined => {
    if (isolate.isDisposed) return stopped('memory', `the isolate passed its memory limit of ${iso.memoryMiB} MiB and was disposed`);
    const message = error instanceof Error ? error.message : String(error);
    if (deadline !== undefined && Date.now() >= deadline && /execution timed out/i.test(message)) {
      return stopped('timeout', `the isolate ran past its timeout of ${iso.timeoutMs} ms and was stopped`);
    }
    return undefined;
  };
  const threw = (text: string): IsolateOutcome => {
    opts.writeOut(2, `${text}\n`);
    return { exitCode: ISOLATE_EXIT.threw, stats: stats() };
  };
  /** What the sleeve threw, as Node prints an uncaught exception: where, the source line, the stack. */
  const uncaught = (stack: string): IsolateOutcome => {
    const mapped = mapStack(stack, mapOf);
    const where = mapped.first;
    if (!where) return threw(mapped.text);
    const head = `file://${where.file}:${where.line}`;
    const caret = where.text === undefined ? '' : `\n${where.text}\n${' '.repeat(Math.max(0, where.column - 1))}^\n`;
    return threw(`${head}${caret}\n${mapped.text}`);
  };
  /** The isolate's part of an error isolated-vm rethrew here: its name, message and frames, no host frames. */
  const isolateStack = (error: unknown): string => {
    if (!(error instanceof Error)) return `Uncaught ${String(error)}`;
    const stack = typeof error.stack === 'string' ? error.stack : `${error.name}: ${error.message}`;
    const lines = stack.split('\n');
    const boundary = lines.findIndex((l) => l.includes('<isolated-vm boundary>'));
    const own = boundary < 0 ? lines : lines.slice(0, boundary);
    const firstFrame = own.findIndex((l) => /^\s+at /.test(l));
    if (firstFrame < 0) return own.join('\n');
    const frames = own.slice(firstFrame).filter((l) => /\(?sleeve-sandbox:|\(?file:\/\//.test(l) && knownFrame(l));
    return [...own.slice(0, firstFrame), ...frames].join('\n');
  };

  try {
    const platform = isolate.compileScriptSync(PLATFORM_SOURCE, { filename: 'sleeve-sandbox:platform' }).runSync(context, { reference: true }) as IvmReference;
    const prelude = isolate.compileScriptSync(PRELUDE_SOURCE, { filename: 'sleeve-sandbox:prelude' }).runSync(context, { reference: true }) as IvmReference;
    const meta = {
      runId: config.runId,
      runDir: config.runDir,
      name: config.name,
      workspace: config.workspace,
      args: [...config.args],
      env: { ...process.env },
    };
    const control = prelude.applySync(undefined, [host, done, new ivm.ExternalCopy(meta).copyInto({ release: true }), platform.derefInto()], {
      result: { reference: true },
    }) as IvmReference;
    prelude.release();
    platform.release();

    const moduleFiles = new Map<IvmModule, string>();
    const loaded = new Map<string, IvmModule>();
    const load = (file: string): IvmModule => {
      const cached = loaded.get(file);
      if (cached) return cached;
      const entry = iso.modules.files[file];
      if (!entry) throw new Error(`${file} is not one of this sleeve's compiled modules`);
      // As in process mode (where the bundler applies it), the sleeve's own code is what the runner was
      // told to run; a read-deny rule of the policy still keeps a module file out.
      const decision = engine.decide('read', file);
      if (!decision.allowed && decision.rule?.list === 'fs.read.deny') {
        reporter.deny({
          op: 'read',
          syscall: 'import',
          path: decision.path,
          ...(decision.resolved === undefined ? {} : { resolved: decision.resolved }),
          rule: decision.rule ? `${decision.rule.list} ${JSON.stringify(decision.rule.pattern)}` : 'fs.read',
          reason: decision.reason,
        });
        throw new Error(`import of ${file} refused: the policy ${decision.policy} denies reading it (${decision.reason})`);
      }
      const code = opts.readCode(entry.code);
      codes.set(file, code);
      const mod = isolate.compileModuleSync(code, { filename: `file://${file}` });
      moduleFiles.set(mod, file);
      loaded.set(file, mod);
      return mod;
    };
    const resolveImport = (specifier: string, referrer: IvmModule): IvmModule => {
      const from = moduleFiles.get(referrer) ?? iso.modules.entry;
      const target = iso.modules.files[from]?.imports[specifier];
      if (target !== undefined) return load(target);
      if (isBuiltin(specifier)) {
        throw new Error(`cannot import ${JSON.stringify(specifier)}: isolate mode has no Node API; use ctx.fs and ctx.log, or run this sleeve in process mode`);
      }
      throw new Error(
        `cannot import ${JSON.stringify(specifier)} from ${path.relative(config.workspace, from)}: isolate mode loads only the sleeve's own modules, imported with a relative path the runner could see`,
      );
    };

    let main: IvmModule;
    try {
      main = load(iso.modules.entry);
      main.instantiateSync(context, resolveImport);
    } catch (error) {
      return limitHit(error) ?? threw(`sleeve-sandbox: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      main.evaluateSync({ timeout: remaining() });
    } catch (error) {
      return limitHit(error) ?? uncaught(isolateStack(error));
    }
    try {
      const exported = main.namespace.getSync('default', { reference: true });
      control.applySync(undefined, ['start', exported.derefInto()], { timeout: remaining() });
    } catch (error) {
      // isolated-vm rethrows what the isolate did not catch, an unhandled rejection included.
      return limitHit(error) ?? uncaught(isolateStack(error));
    }
    // The timers: run each when it is due, until none keeps the sleeve alive or the timeout.
    while (fatal === undefined) {
      let due: unknown;
      try {
        due = control.applySync(undefined, ['next'], { timeout: remaining() });
      } catch (error) {
        return limitHit(error) ?? uncaught(isolateStack(error));
      }
      if (typeof due !== 'number' || !(due >= 0)) break;
      const wait = due - clock();
      if (deadline !== undefined && Date.now() + wait >= deadline) {
        sleep(deadline - Date.now());
        return stopped('timeout', `the isolate ran past its timeout of ${iso.timeoutMs} ms and was stopped (a timer was still pending)`);
      }
      sleep(wait);
      try {
        control.applySync(undefined, ['tick', clock()], { timeout: remaining() });
      } catch (error) {
        return limitHit(error) ?? uncaught(isolateStack(error));
      }
    }
    if (fatal !== undefined) return uncaught(fatal);
    if (!outcome) {
      // No timer is left and nothing else in an isolate (no I/O) can settle a promise later: it is stuck for good.
      opts.writeOut(
        2,
        'sleeve-sandbox: the default export returned a promise that never settles (no timer is pending, and nothing else in an isolate can resolve it later)\n',
      );
      return { exitCode: ISOLATE_EXIT.unsettled, stats: stats() };
    }
    if (outcome.how === 'threw') return uncaught(outcome.error);
    return { exitCode: 0, stats: stats() };
  } finally {
    if (!isolate.isDisposed) {
      try {
        isolate.dispose();
      } catch {
        // already gone
      }
    }
  }
}
