/**
 * Isolate mode: the sleeve's code runs in a V8 isolate (isolated-vm) inside
 * the sleeve process, and this host is the only thing it can reach. The
 * isolate holds no Node API at all: no `process`, `require`, `import` of
 * built-ins, timers or network. Its only door out is one synchronous host
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
 * Limits: the policy's memory limit is the isolate's memoryLimit; the
 * timeout bounds module evaluation and the default export together (V8
 * terminates the isolate's execution when it passes, and since the isolate
 * only ever runs on this thread its CPU time is bounded by the same clock).
 */
import type fs from 'node:fs';
import { isBuiltin } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import path from 'node:path';
import type { CompiledPolicy } from '../policies/engine.js';
import { createFsOps } from './context.js';
import { PRELUDE_SOURCE } from './isolate-prelude.js';
import type { IsolateConfig, IsolateStats, SandboxConfig } from './protocol.js';
import type { Reporter } from './reporter.js';

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
  let lastError: HostError | undefined;
  const host = new ivm.Callback((name: unknown, a: unknown, b: unknown, c: unknown) => {
    if (name === 'log' || name === 'logErr') {
      const text = typeof a === 'string' ? a : String(a);
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
  const done = new ivm.Callback((how: unknown, error: unknown) => {
    if (outcome) return;
    outcome = { how: how === 'threw' ? 'threw' : 'returned', error: typeof error === 'string' ? error.slice(0, 4000) : '' };
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

  try {
    const prelude = isolate.compileScriptSync(PRELUDE_SOURCE, { filename: 'sleeve-sandbox:prelude' }).runSync(context, { reference: true }) as IvmReference;
    const meta = {
      runId: config.runId,
      runDir: config.runDir,
      name: config.name,
      workspace: config.workspace,
      args: [...config.args],
      env: { ...process.env },
    };
    const start = prelude.applySync(undefined, [host, done, new ivm.ExternalCopy(meta).copyInto({ release: true })], {
      result: { reference: true },
    }) as IvmReference;
    prelude.release();

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
      const mod = isolate.compileModuleSync(opts.readCode(entry.code), { filename: `file://${file}` });
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
      main.evaluateSync({ timeout: remaining() });
    } catch (error) {
      return limitHit(error) ?? threw(`sleeve-sandbox: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      const exported = main.namespace.getSync('default', { reference: true });
      start.applySync(undefined, [exported.derefInto()], { timeout: remaining() });
    } catch (error) {
      // isolated-vm rethrows what the isolate did not catch, an unhandled rejection included.
      return limitHit(error) ?? threw(`sleeve-sandbox: uncaught in the isolate: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!outcome) {
      // Nothing in an isolate can settle a promise later (no timers, no I/O): it is stuck for good.
      opts.writeOut(2, 'sleeve-sandbox: the default export returned a promise that never settles (nothing in an isolate can resolve it later)\n');
      return { exitCode: ISOLATE_EXIT.unsettled, stats: stats() };
    }
    if (outcome.how === 'threw') return threw(outcome.error);
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
