/**
 * Refuses what the policy does not allow outside the file system: child
 * processes, workers, the network, native addons, internal bindings, the
 * inspector, WASI, trace events, report and heap-snapshot files, and signals
 * to other processes. Node built-ins are patched on their shared exports
 * objects (what `require` and `import` both hand out); the runner tells the
 * bootstrap which built-ins the sleeve's bundle imports, so only those are
 * loaded and patched at start-up, and a `require` hook patches the rest the
 * moment they are first loaded.
 *
 * http, https, tls, http2 and fetch all open sockets through net.Socket, so
 * the network is refused there too, whichever module the sleeve started from.
 *
 * What this guard lets through may still be refused by Node's permission
 * layer: the surfaces Node guards are wrapped after this guard's own patches
 * (node-permission.ts), so those refusals are reported too.
 *
 * Patched properties are non-configurable but stay writable: a sleeve may
 * assign its own function over one (require hooks wrap Module._load, test
 * tools replace process.exit), which gains it nothing, since the originals
 * live only in this module's closures and are called with the Reflect.apply
 * taken at load, never through a Function.prototype method.
 */
import { createRequire } from 'node:module';
import { createCapabilityDenialError } from '../policies/denial.js';
import type { CompiledPolicy } from '../policies/engine.js';
import { reportNodeRefusals, surfaceFor, NODE_PERMISSION_SURFACES } from './node-permission.js';
import { reflectApply } from './intrinsics.js';
import type { Reporter } from './reporter.js';

type AnyFn = (...args: unknown[]) => unknown;
type Exports = Record<string, unknown>;

export interface CapabilityGuardOptions {
  engine: CompiledPolicy;
  reporter: Reporter;
  /** Built-ins to load and patch now (those the bundle imports). */
  eager: readonly string[];
  /** Decide a write of a file path (for report and heap-snapshot files). */
  checkWrite: (p: unknown, syscall: string) => void;
}

const bare = (id: string) => (id.startsWith('node:') ? id.slice(5) : id);

export function installCapabilityGuard(opts: CapabilityGuardOptions): void {
  const { engine, reporter } = opts;
  const policy = engine.policy;
  const refuse = (op: string, api: string, rule: string, reason = 'not allowed by the policy'): never => {
    reporter.deny({ op, syscall: api, path: api, rule, reason });
    throw createCapabilityDenialError({ op, api, policy: policy.name, rule, reason });
  };
  const define = (obj: object, name: string, value: unknown) => {
    const d = Object.getOwnPropertyDescriptor(obj, name);
    if (d && !d.configurable && !d.writable) return;
    Object.defineProperty(obj, name, { value, writable: true, configurable: false, enumerable: d?.enumerable ?? true });
  };
  const blockFns = (mod: Exports, modName: string, names: string[], op: string, rule: string) => {
    for (const n of names) {
      if (typeof mod[n] !== 'function') continue;
      define(mod, n, function denied() {
        return refuse(op, `${modName}.${n}`, rule);
      });
    }
  };
  const blockProto = (proto: object | undefined, label: string, names: string[], op: string, rule: string) => {
    if (!proto) return;
    for (const n of names) {
      if (typeof (proto as Exports)[n] !== 'function') continue;
      define(proto, n, function denied() {
        return refuse(op, `${label}.${n}`, rule);
      });
    }
  };
  const blockClass = (mod: Exports, modName: string, name: string, op: string, rule: string) => {
    if (typeof mod[name] !== 'function') return;
    define(mod, name, function Denied() {
      return refuse(op, `new ${modName}.${name}`, rule);
    });
  };

  const patchers: Record<string, (m: Exports) => void> = {};
  if (!policy.process.childProcess) {
    patchers.child_process = (m) =>
      blockFns(m, 'child_process', ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], 'child_process', 'process.childProcess');
    patchers.cluster = (m) => blockFns(m, 'cluster', ['fork', 'setupPrimary', 'setupMaster'], 'child_process', 'process.childProcess');
  }
  if (!policy.process.workers) {
    patchers.worker_threads = (m) => blockClass(m, 'worker_threads', 'Worker', 'worker_threads', 'process.workers');
  }
  if (!policy.net) {
    const netFns = ['connect', 'createConnection', 'createServer', 'request', 'get', 'createSecureServer', 'createSocket'];
    patchers.net = (m) => {
      blockFns(m, 'net', ['connect', 'createConnection', 'createServer'], 'net', 'net');
      blockProto((m.Socket as { prototype?: object })?.prototype, 'net.Socket', ['connect'], 'net', 'net');
      blockProto((m.Server as { prototype?: object })?.prototype, 'net.Server', ['listen'], 'net', 'net');
    };
    patchers.dgram = (m) => {
      blockFns(m, 'dgram', ['createSocket'], 'net', 'net');
      blockProto((m.Socket as { prototype?: object })?.prototype, 'dgram.Socket', ['bind', 'send', 'connect'], 'net', 'net');
    };
    for (const name of ['http', 'https', 'http2', 'tls']) patchers[name] = (m) => blockFns(m, name, netFns, 'net', 'net');
    const dnsFns = (m: Exports, label: string) => {
      const names = Object.keys(m).filter((k) => typeof m[k] === 'function' && /^(lookup|lookupService|resolve|reverse)/.test(k));
      blockFns(m, label, names, 'net', 'net');
      blockProto((m.Resolver as { prototype?: object })?.prototype, `${label}.Resolver`, names, 'net', 'net');
    };
    patchers.dns = (m) => {
      dnsFns(m, 'dns');
      if (m.promises) dnsFns(m.promises as Exports, 'dns.promises');
    };
    patchers['dns/promises'] = (m) => dnsFns(m, 'dns.promises');
    for (const g of ['fetch', 'WebSocket', 'EventSource']) {
      if (g in globalThis) {
        // Node 22/24 define these as lazy data properties: reading the descriptor (as define does) would
        // load undici (about 110 modules, 17-20 ms) only to replace it. Deleted first, nothing is loaded;
        // one that cannot be deleted is redefined as before.
        Reflect.deleteProperty(globalThis, g);
        define(globalThis, g, function denied() {
          return refuse('net', g, 'net');
        });
      }
    }
  }
  patchers.inspector = (m) => {
    blockFns(m, 'inspector', ['open', 'waitForDebugger'], 'inspector', 'sandbox');
    blockProto((m.Session as { prototype?: object })?.prototype, 'inspector.Session', ['connect', 'connectToMainThread'], 'inspector', 'sandbox');
  };
  patchers['inspector/promises'] = patchers.inspector;
  patchers.wasi = (m) => blockClass(m, 'wasi', 'WASI', 'wasi', 'sandbox');
  patchers.trace_events = (m) => blockFns(m, 'trace_events', ['createTracing'], 'trace_events', 'sandbox');
  patchers.v8 = (m) => {
    const write = m.writeHeapSnapshot as AnyFn | undefined;
    if (typeof write === 'function') {
      define(m, 'writeHeapSnapshot', function writeHeapSnapshot(this: unknown, ...args: unknown[]) {
        if (typeof args[0] !== 'string') refuse('v8', 'v8.writeHeapSnapshot', 'sandbox', 'name the snapshot file inside your run dir');
        opts.checkWrite(args[0], 'v8.writeHeapSnapshot');
        return reflectApply(write, this, args);
      });
    }
    blockFns(m, 'v8', ['setHeapSnapshotNearHeapLimit'], 'v8', 'sandbox');
  };

  const reportRefusal = (r: { op: string; api: string; permission?: string; resource?: string; message: string }) => {
    reporter.deny({
      op: r.op,
      syscall: r.api,
      path: r.resource ?? r.api,
      rule: 'node-permission',
      reason: `refused by Node's permission model (${r.permission ?? r.message})`,
    });
  };
  const patched = new WeakSet<object>();
  const patch = (id: string, exportsObj: unknown) => {
    const name = bare(id);
    const fn = patchers[name];
    const surface = surfaceFor(name);
    if ((!fn && !surface) || (typeof exportsObj !== 'object' && typeof exportsObj !== 'function')) return;
    if (exportsObj === null || patched.has(exportsObj as object)) return;
    patched.add(exportsObj as object);
    if (fn) fn(exportsObj as Exports);
    // After this guard's refusals (non-configurable, left alone): what reaches Node's layer.
    if (surface) reportNodeRefusals(exportsObj as object, surface, reportRefusal);
  };

  // Modules loaded now: those already in memory, and those the bundle imports.
  const require = createRequire(import.meta.url);
  // A computed import() is invisible to the bundler and to the require hook, so every
  // module this policy refuses is loaded and patched now (a few milliseconds).
  const refusedModules = Object.keys(patchers).filter((id) => !['http', 'https', 'http2', 'tls', 'dns/promises', 'inspector/promises'].includes(id));
  const surfaces = NODE_PERMISSION_SURFACES.map((s) => s.module).filter((m) => m !== 'process');
  for (const id of new Set([...refusedModules, ...surfaces, ...opts.eager.map(bare)])) {
    if (!patchers[id] && !surfaceFor(id)) continue;
    try {
      patch(id, require(id));
    } catch {
      // not a module on this Node: nothing to patch
    }
  }

  // And any other, the moment a require() or createRequire() loads it.
  const Module = require('node:module') as { _load: AnyFn; register?: AnyFn; registerHooks?: AnyFn };
  // Loader hooks run in a thread of their own, with built-ins this guard never patched.
  for (const n of ['register', 'registerHooks']) {
    if (typeof (Module as unknown as Exports)[n] === 'function') {
      define(Module, n, function denied() {
        return refuse('module', `module.${n}`, 'sandbox', 'module loader hooks run outside the guard');
      });
    }
  }
  const origLoad = Module._load;
  define(Module, '_load', function _load(this: unknown, request: unknown, ...rest: unknown[]) {
    const result = reflectApply(origLoad, this, [request, ...rest]);
    if (typeof request === 'string') patch(request, result);
    return result;
  });

  // process.getBuiltinModule (Node 20.16+) hands out built-ins without require():
  // route it through the same patching.
  const getBuiltin = (process as unknown as { getBuiltinModule?: AnyFn }).getBuiltinModule;
  if (typeof getBuiltin === 'function') {
    define(process, 'getBuiltinModule', function getBuiltinModule(id: unknown) {
      const result = reflectApply(getBuiltin, process, [id]);
      if (typeof id === 'string') patch(id, result);
      return result;
    });
  }

  // process: bindings, addons, signals to others, report files.
  for (const n of ['binding', '_linkedBinding']) {
    if (typeof (process as unknown as Exports)[n] === 'function') {
      define(process, n, function denied(name: unknown) {
        // Feature probes of widely copied code, each inside a try with a fallback: lodash (and every
        // bundle that inlines it) asks for 'util' when it finds no module.require, safer-buffer for
        // 'buffer'. Refused as Node's permission model refuses them, without a denial report:
        // nothing was attempted that a policy could allow, and the library goes on without it.
        if (n === 'binding' && (name === 'util' || name === 'buffer')) {
          const probe = new Error(`process.binding('${name}') is not available in a sleeve`) as Error & { code: string };
          probe.code = 'ERR_ACCESS_DENIED';
          throw probe;
        }
        return refuse('process.binding', `process.${n}`, 'sandbox', 'internal bindings bypass every layer');
      });
    }
  }
  if (!policy.process.addons) {
    define(process, 'dlopen', function denied() {
      return refuse('addons', 'process.dlopen', 'process.addons');
    });
  }
  // Signals: only to itself. The pid is taken now: process.pid could be redefined later.
  const ownPid = process.pid;
  const origKill = process.kill.bind(process);
  define(process, 'kill', function kill(pid: number, signal?: string | number) {
    if (pid !== ownPid && pid !== 0 && pid !== -ownPid) {
      refuse('signal', `process.kill(${String(pid)})`, 'sandbox', 'a sleeve may signal only itself');
    }
    return origKill(pid, signal);
  });
  const rawKill = (process as unknown as { _kill?: AnyFn })._kill;
  if (typeof rawKill === 'function') {
    define(process, '_kill', function _kill(pid: unknown, sig: unknown) {
      if (pid !== ownPid) refuse('signal', `process._kill(${String(pid)})`, 'sandbox', 'a sleeve may signal only itself');
      return reflectApply(rawKill, process, [pid, sig]);
    });
  }
  // _debugProcess(pid) sends SIGUSR1, which opens the inspector in the target (the runner).
  for (const n of ['_debugProcess', '_debugEnd', '_startProfilerIdleNotifier', '_stopProfilerIdleNotifier']) {
    if (typeof (process as unknown as Exports)[n] === 'function') {
      define(process, n, function denied() {
        return refuse('inspector', `process.${n}`, 'sandbox', 'the inspector and debug signals reach outside the sandbox');
      });
    }
  }
  // What of process reaches Node's layer (dlopen when addons are allowed, execve on 22.15+).
  const processSurface = surfaceFor('process');
  if (processSurface) reportNodeRefusals(process, processSurface, reportRefusal);

  const report = process.report;
  if (report) {
    const origWrite = report.writeReport.bind(report);
    const safeReport = Object.freeze({
      getReport: report.getReport.bind(report),
      writeReport(file?: unknown, err?: unknown) {
        if (typeof file !== 'string') refuse('process.report', 'process.report.writeReport', 'sandbox', 'name the report file inside your run dir');
        opts.checkWrite(file, 'process.report.writeReport');
        return origWrite(file as string, err as Error);
      },
      get directory() {
        return report.directory;
      },
      get filename() {
        return report.filename;
      },
      get compact() {
        return report.compact;
      },
      get signal() {
        return report.signal;
      },
      get reportOnFatalError() {
        return report.reportOnFatalError;
      },
      get reportOnSignal() {
        return report.reportOnSignal;
      },
      get reportOnUncaughtException() {
        return report.reportOnUncaughtException;
      },
    });
    try {
      Object.defineProperty(process, 'report', { get: () => safeReport, configurable: false, enumerable: true });
    } catch {
      // A Node where process.report cannot be redefined: guard its methods in place.
      define(report, 'writeReport', safeReport.writeReport);
    }
  }
}
