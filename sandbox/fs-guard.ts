/**
 * The fs guard: wraps every entry point of `node:fs` and `node:fs/promises`
 * that names a path (or writes through a descriptor), decides with the policy
 * engine before the call, and refuses with an `EACCES` error that names the
 * rule. Wrapped properties are made read-only and non-configurable, so sleeve
 * code can neither delete nor replace them.
 *
 * What it does not see (the Node permission layer and the auditor cover it):
 * Node's own module loading, and anything reached through internal bindings.
 */
import type fsModule from 'node:fs';
import path from 'node:path';
import { createCapabilityDenialError, createDenialError } from '../policies/denial.js';
import type { CompiledPolicy, Decision } from '../policies/engine.js';
import type { FsOp } from '../policies/types.js';
import { absoluteRaw, pathToString } from '../policies/resolve-path.js';
import { REPORT_FD } from './protocol.js';
import type { Reporter } from './reporter.js';

type Fs = typeof fsModule;
type AnyFn = (...args: unknown[]) => unknown;
type Check = (args: unknown[], syscall: string) => void;

export interface FsGuardOptions {
  engine: CompiledPolicy;
  reporter: Reporter;
  /** Unwrapped lstat, for the hard-link check. */
  lstat: (p: string) => { isFile(): boolean; nlink: number } | undefined;
  /**
   * The sleeve's own compiled code and the sandbox's: Node's module loader
   * reads them through the public fs API. Reads of exactly these files (or
   * below these directories), spelled as clean absolute paths, are not decided.
   */
  codePaths: readonly string[];
}

const W_FLAGS = /[wa+]/;

/** Does an open flag (string or number) allow writing? Reading? */
export function flagModes(flags: unknown, constants: Fs['constants']): { write: boolean; read: boolean } {
  if (flags === undefined || flags === null) return { write: false, read: true };
  if (typeof flags === 'number') {
    const acc = flags & 3; // O_RDONLY 0, O_WRONLY 1, O_RDWR 2
    const mutating = constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND;
    return { write: acc !== constants.O_RDONLY || (flags & mutating) !== 0, read: acc !== constants.O_WRONLY };
  }
  const s = String(flags);
  return { write: W_FLAGS.test(s), read: s.includes('r') || s.includes('+') };
}

export interface FsGuard {
  /** Decides a path as the wrapped fs calls do: reports and throws EACCES when denied. */
  checkPath(op: FsOp, p: unknown, syscall: string, aliasCheck?: boolean): Decision;
}

export function installFsGuard(fs: Fs, opts: FsGuardOptions): FsGuard {
  const { engine, reporter } = opts;
  const writableFds = new Set<number>([1, 2]);
  const writableHandles = new WeakSet<object>();
  const handleFds = new WeakMap<object, number>();

  const refuse = (decision: Decision, syscall: string): never => {
    reporter.deny({
      op: decision.op,
      syscall,
      path: decision.path,
      ...(decision.resolved === undefined ? {} : { resolved: decision.resolved }),
      rule: decision.rule ? `${decision.rule.list} ${JSON.stringify(decision.rule.pattern)}` : `fs.${decision.op}`,
      reason: decision.reason,
    });
    throw createDenialError(decision, syscall);
  };

  const isCode = (x: unknown): boolean => {
    const p = typeof x === 'string' ? x : x instanceof URL && x.protocol === 'file:' ? x.pathname : undefined;
    if (p === undefined || !path.isAbsolute(p) || path.normalize(p) !== p) return false;
    return opts.codePaths.some((c) => p === c || p.startsWith(`${c}/`));
  };
  /**
   * Arguments are taken once, before the decision, and Node gets exactly what
   * was decided: a Buffer, Uint8Array or URL path becomes a string (a getter
   * or a later mutation cannot change it between the decision and the call),
   * option objects are copied (their getters run once, now), and relative
   * paths are made absolute against the cwd of the decision (a later chdir
   * cannot move an asynchronous call). `shown` keeps the sleeve's spelling for
   * messages; `call` is what Node receives.
   */
  const PATH_INDEXES: Record<string, readonly number[]> = { copyFile: [0, 1], rename: [0, 1], link: [0, 1], symlink: [1] };
  const asText = (x: unknown): unknown => {
    if (typeof x === 'string' || !(x instanceof Uint8Array || x instanceof URL)) return x;
    const t = pathToString(x);
    return t.ok ? t.path : x;
  };
  const copyOptions = (x: unknown): unknown =>
    x !== null && typeof x === 'object' && !ArrayBuffer.isView(x) && !(x instanceof URL) && !isHandle(x) ? { ...(x as object) } : x;
  const DEFAULT_PATHS: readonly number[] = [0];
  const snapshotArgs = (name: string, args: readonly unknown[]): { shown: unknown[]; call: unknown[] } => {
    const paths = PATH_INDEXES[name] ?? DEFAULT_PATHS;
    // Fast path (the common call): no objects at all, and every path already absolute.
    let plain = true;
    for (let i = 0; i < args.length && plain; i++) {
      const a = args[i];
      if (a !== null && typeof a === 'object') plain = false;
      else if (typeof a === 'string' && a.charCodeAt(0) !== 47 && paths.includes(i)) plain = false;
    }
    if (plain) return { shown: args as unknown[], call: args as unknown[] };
    const shown: unknown[] = new Array(args.length);
    const call: unknown[] = new Array(args.length);
    let cwd: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (paths.includes(i)) {
        const t = asText(a);
        shown[i] = t;
        if (typeof t === 'string' && t.length > 0 && t.charCodeAt(0) !== 47) {
          if (cwd === undefined) cwd = process.cwd();
          call[i] = absoluteRaw(t, cwd);
        } else {
          call[i] = t;
        }
      } else if (name === 'symlink' && i === 0) {
        shown[i] = call[i] = asText(a);
      } else if (a !== null && typeof a === 'object') {
        shown[i] = call[i] = copyOptions(a);
      } else {
        shown[i] = call[i] = a;
      }
    }
    return { shown, call };
  };

  /** Decide on a path; for writes, refuse an existing file with other hard links. */
  const checkPath = (op: FsOp, p: unknown, syscall: string, aliasCheck = false): Decision => {
    if (op === 'read' && isCode(p)) {
      return { allowed: true, op, path: String(p), resolved: String(p), reason: 'code of the sleeve or the sandbox', policy: engine.name };
    }
    const decision = engine.decide(op, p);
    if (!decision.allowed) return refuse(decision, syscall);
    if (op === 'write' && decision.resolved !== undefined) {
      if (aliasCheck) {
        const st = opts.lstat(decision.resolved);
        if (st?.isFile() && st.nlink > 1) {
          return refuse(
            {
              ...decision,
              allowed: false,
              rule: undefined,
              reason: `the file has ${st.nlink} hard links: writing it could change a file outside the run dir`,
            },
            syscall,
          );
        }
      }
      reporter.wrote(decision.resolved);
    }
    return decision;
  };

  const fdDenied = (fd: unknown, syscall: string): never =>
    refuse(
      {
        allowed: false,
        op: 'write',
        path: `<fd ${String(fd)}>`,
        reason: 'the descriptor was not opened for writing through the sandbox',
        policy: engine.name,
      },
      syscall,
    );

  const isHandle = (x: unknown): x is object => typeof x === 'object' && x !== null && handleFds.has(x);


  /** A path, a descriptor or a FileHandle in argument `i`. */
  const target =
    (i: number, op: FsOp, aliasCheck = false): Check =>
    (args, syscall) => {
      const x = args[i];
      if (typeof x === 'number') {
        if (op === 'write' && !writableFds.has(x)) fdDenied(x, syscall);
        return;
      }
      if (isHandle(x)) {
        if (op === 'write' && !writableHandles.has(x)) fdDenied(handleFds.get(x), syscall);
        return;
      }
      checkPath(op, x, syscall, aliasCheck);
    };
  const both = (...checks: Check[]): Check => (args, syscall) => {
    for (const c of checks) c(args, syscall);
  };
  const fdWrite: Check = (args, syscall) => {
    const fd = args[0];
    if (typeof fd !== 'number' || !writableFds.has(fd)) fdDenied(fd, syscall);
  };
  const namespace = (c: Check): Check => (args, syscall) => {
    engine.invalidate();
    c(args, syscall);
  };
  const symlinkCheck: Check = (args, syscall) => {
    engine.invalidate();
    const [targetArg, linkArg] = args;
    const link = checkPath('write', linkArg, syscall);
    // The target is read through the link later: it must be readable now.
    const text = typeof targetArg === 'string' ? targetArg : Buffer.isBuffer(targetArg) ? targetArg.toString('utf8') : targetArg;
    const resolvedTarget =
      typeof text === 'string' && link.resolved !== undefined && !path.isAbsolute(text) ? path.join(path.dirname(link.resolved), text) : text;
    checkPath('read', resolvedTarget, syscall);
  };
  const openCheck = (flagsIndex: number): Check => (args, syscall) => {
    const modes = flagModes(args[flagsIndex], fs.constants);
    if (modes.read) checkPath('read', args[0], syscall);
    if (modes.write) checkPath('write', args[0], syscall, true);
  };
  const streamCheck = (op: FsOp): Check => (args, syscall) => {
    const options = args[1];
    const flags = typeof options === 'object' && options !== null ? (options as { flags?: unknown }).flags : undefined;
    if (args[0] === undefined || args[0] === null) {
      const fd = typeof options === 'object' && options !== null ? (options as { fd?: unknown }).fd : undefined;
      if (op === 'write' && typeof fd === 'number' && !writableFds.has(fd)) fdDenied(fd, syscall);
      if (op === 'write' && isHandle(fd) && !writableHandles.has(fd)) fdDenied(handleFds.get(fd), syscall);
      return;
    }
    if (op === 'read' && flags === undefined) checkPath('read', args[0], syscall);
    else {
      const modes = flags === undefined ? { read: false, write: true } : flagModes(flags, fs.constants);
      if (modes.read) checkPath('read', args[0], syscall);
      if (modes.write || op === 'write') checkPath('write', args[0], syscall, true);
    }
  };
  const mkdtempCheck: Check = (args, syscall) => {
    const prefix = args[0];
    checkPath('write', typeof prefix === 'string' ? `${prefix}XXXXXX` : prefix, syscall);
  };
  const globCheck: Check = (args, syscall) => {
    const options = args[1];
    const cwd = typeof options === 'object' && options !== null && 'cwd' in options ? (options as { cwd: unknown }).cwd : process.cwd();
    checkPath('read', cwd, syscall);
  };

  /**
   * cp: Node's implementation stats the ancestors of the destination through
   * the public fs API, which the policy may not let the sleeve read. So cp runs
   * synchronously with the wrappers stood down, and a composed filter decides
   * every copied entry instead (read of the source, write of the destination).
   * The sleeve's own filter runs with the wrappers back up. The callback and
   * promise forms run the same synchronous copy.
   */
  let bypass = 0;
  const cpFilter = (userFilter: unknown) => (src: string, dest: string) => {
    checkPath('read', src, 'cp');
    checkPath('write', dest, 'cp', true);
    if (typeof userFilter !== 'function') return true;
    bypass--;
    try {
      const answer = userFilter(src, dest);
      if (answer instanceof Promise) throw new TypeError('an async cp filter is not supported inside the sandbox: pass a synchronous filter');
      return answer;
    } finally {
      bypass++;
    }
  };
  const origCpSync = fs.cpSync as unknown as AnyFn;
  const guardedCp = (srcIn: unknown, destIn: unknown, options: unknown): void => {
    engine.invalidate();
    // Everything the copy will read is taken now, before the wrappers stand down.
    const { shown, call } = snapshotArgs('copyFile', [srcIn, destIn]);
    const opts = typeof options === 'object' && options !== null ? { ...(options as Record<string, unknown>) } : {};
    const filter = cpFilter(opts.filter);
    checkPath('read', shown[0], 'cp');
    checkPath('write', shown[1], 'cp');
    bypass++;
    try {
      origCpSync.call(fs, call[0], call[1], { ...opts, filter });
    } catch (error) {
      throw fromNode(error, 'cp', shown);
    } finally {
      bypass--;
      engine.invalidate();
    }
  };

  /** Node's own permission layer refused the call: report it and answer in the one denial shape. */
  function fromNode(error: unknown, syscall: string, args: readonly unknown[] = []): unknown {
    const e = error as { code?: string; permission?: string; resource?: string; message?: string } | null;
    if (e?.code !== 'ERR_ACCESS_DENIED') return error;
    const twoPaths = syscall === 'symlink' || syscall === 'link' || syscall === 'rename' || syscall === 'copyFile' || syscall === 'cp';
    const spelled = args[twoPaths ? 1 : 0];
    const writes = WRITE_SYSCALLS.has(syscall) || (syscall === 'open' && flagModes(args[1], fs.constants).write);
    const op = e.permission ? (/Write/i.test(e.permission) ? 'write' : 'read') : writes ? 'write' : 'read';
    const target = e.resource || (typeof spelled === 'string' ? spelled : Buffer.isBuffer(spelled) ? spelled.toString('utf8') : String(spelled ?? ''));
    const reason = `refused by Node's permission model (${e.permission || e.message || 'unknown'})`;
    reporter.deny({ op, syscall, path: target, rule: 'node-permission', reason });
    return createCapabilityDenialError({ op, api: target, policy: engine.name, rule: 'node-permission', reason });
  }

  const WRITE_SYSCALLS = new Set([
    'appendFile', 'writeFile', 'truncate', 'chmod', 'lchmod', 'chown', 'lchown', 'utimes', 'lutimes', 'mkdir', 'rm', 'rmdir', 'unlink',
    'copyFile', 'rename', 'link', 'symlink', 'mkdtemp', 'cp', 'write', 'writev', 'ftruncate', 'fchmod', 'fchown', 'futimes',
  ]);
  const READ1 = ['access', 'readFile', 'readdir', 'readlink', 'realpath', 'stat', 'lstat', 'statfs', 'opendir', 'watch', 'watchFile', 'openAsBlob'];
  const WRITE1_ALIAS = ['appendFile', 'writeFile', 'truncate', 'chmod', 'lchmod', 'chown', 'lchown', 'utimes', 'lutimes'];
  const WRITE1 = ['mkdir'];
  const NAMESPACE1 = ['rm', 'rmdir', 'unlink'];
  const FD_WRITE = ['write', 'writev', 'ftruncate', 'fchmod', 'fchown', 'futimes'];

  const checks = new Map<string, Check>();
  for (const n of READ1) checks.set(n, target(0, 'read'));
  for (const n of WRITE1_ALIAS) checks.set(n, target(0, 'write', true));
  for (const n of WRITE1) checks.set(n, target(0, 'write'));
  for (const n of NAMESPACE1) checks.set(n, namespace(target(0, 'write')));
  for (const n of FD_WRITE) checks.set(n, fdWrite);
  checks.set('exists', target(0, 'read'));
  // readFile opens with options.flag: a writing flag ("w", "a", "r+") makes it a write.
  const readFileCheck = target(0, 'read');
  const readFileWriteCheck = target(0, 'write', true);
  checks.set('readFile', (args, syscall) => {
    readFileCheck(args, syscall);
    const o = args[1];
    const flag = typeof o === 'object' && o !== null ? (o as { flag?: unknown }).flag : undefined;
    if (flag !== undefined && flagModes(flag, fs.constants).write) readFileWriteCheck(args, syscall);
  });
  checks.set('copyFile', both(target(0, 'read'), target(1, 'write', true)));
  checks.set('rename', namespace(both(target(0, 'write'), target(1, 'write'))));
  checks.set('link', namespace(both(target(0, 'write'), target(1, 'write'))));
  checks.set('symlink', symlinkCheck);
  checks.set('mkdtemp', mkdtempCheck);
  checks.set('open', openCheck(1));
  checks.set('glob', globCheck);


  const define = (obj: object, name: string, value: unknown) => {
    Object.defineProperty(obj, name, { value, writable: false, configurable: false, enumerable: true });
  };

  const trackOpenedFd = (fd: unknown, flags: unknown) => {
    if (typeof fd === 'number' && flagModes(flags, fs.constants).write) writableFds.add(fd);
  };

  // --- sync and callback forms on `fs` ---
  const NAMESPACE_OPS = new Set(['rm', 'rmdir', 'unlink', 'rename', 'link', 'symlink']);
  const callbackWrap = (name: string, orig: AnyFn, check: Check): AnyFn =>
    function guardedCallback(this: unknown, ...raw: unknown[]) {
      const cb = raw[raw.length - 1];
      const { shown, call } = snapshotArgs(name, raw);
      if (bypass === 0) {
        try {
          check(shown, name);
        } catch (error) {
          if (typeof cb !== 'function') throw error;
          process.nextTick(cb as AnyFn, name === 'exists' ? false : error);
          return undefined;
        }
      }
      if (typeof cb !== 'function' || name === 'exists') return orig.apply(this, call);
      return orig.apply(this, [
        ...call.slice(0, -1),
        (err: unknown, ...rest: unknown[]) => {
          if (name === 'open' && !err) trackOpenedFd(rest[0], call[1]);
          if (NAMESPACE_OPS.has(name)) engine.invalidate();
          (cb as AnyFn)(fromNode(err, name, shown), ...rest);
        },
      ]);
    };
  /**
   * Node's own sync functions call other wrapped ones on the same path
   * (readFileSync opens through fs.openSync): a nested call on the path the
   * outer call was already decided for, asking no more than it did, is not
   * decided again. Anything else nested (another path, a write under a read) is.
   */
  let outer: { path: unknown; write: boolean } | undefined;
  const writesWith = (name: string, args: readonly unknown[]) =>
    WRITE_SYSCALLS.has(name) || (name === 'open' && flagModes(args[1], fs.constants).write);
  const syncWrap = (name: string, orig: AnyFn, check: Check): AnyFn =>
    function guardedSync(this: unknown, ...raw: unknown[]) {
      const { shown, call } = snapshotArgs(name, raw);
      const write = writesWith(name, call);
      const nested = outer !== undefined && typeof call[0] === 'string' && call[0] === outer.path && (outer.write || !write);
      if (bypass === 0 && !nested) check(shown, name);
      let result: unknown;
      const previous = outer;
      outer = { path: call[0], write };
      try {
        result = orig.apply(this, call);
      } catch (error) {
        throw fromNode(error, name, shown);
      } finally {
        outer = previous;
        if (NAMESPACE_OPS.has(name)) engine.invalidate();
      }
      if (name === 'open') trackOpenedFd(result, call[1]);
      return result;
    };
  for (const [name, check] of checks) {
    const syncName = `${name}Sync`;
    const origSync = (fs as unknown as Record<string, AnyFn>)[syncName];
    if (typeof origSync === 'function' && name !== 'exists') {
      const wrapped = syncWrap(name, origSync, check);
      const native = (origSync as unknown as { native?: AnyFn }).native;
      if (name === 'realpath' && typeof native === 'function') define(wrapped, 'native', syncWrap(name, native, check));
      define(fs, syncName, wrapped);
    }
    const orig = (fs as unknown as Record<string, AnyFn>)[name];
    if (typeof orig !== 'function') continue;
    let wrapped: AnyFn;
    if (name === 'watch' || name === 'watchFile' || name === 'openAsBlob') {
      wrapped = function guarded(this: unknown, ...raw: unknown[]) {
        const { shown, call } = snapshotArgs(name, raw);
        if (bypass === 0) check(shown, name);
        return orig.apply(this, call);
      };
    } else {
      wrapped = callbackWrap(name, orig, check);
    }
    const native = (orig as unknown as { native?: AnyFn }).native;
    if (name === 'realpath' && typeof native === 'function') define(wrapped, 'native', callbackWrap(name, native, check));
    define(fs, name, wrapped);
  }
  define(fs, 'cpSync', function cpSync(src: unknown, dest: unknown, options?: unknown) {
    guardedCp(src, dest, options);
  });
  define(fs, 'cp', function cp(src: unknown, dest: unknown, ...rest: unknown[]) {
    const cb = rest[rest.length - 1];
    const options = rest.length > 1 ? rest[0] : undefined;
    if (typeof cb !== 'function') throw new TypeError('fs.cp needs a callback');
    let failure: unknown = null;
    try {
      guardedCp(src, dest, options);
    } catch (error) {
      failure = error;
    }
    process.nextTick(cb as AnyFn, failure);
  });

  // existsSync answers false for a denied path, as it does for an unreadable one.
  const origExistsSync = fs.existsSync;
  define(fs, 'existsSync', function existsSync(this: unknown, p: unknown) {
    try {
      if (bypass === 0) checks.get('exists')?.([p], 'exists');
    } catch {
      return false;
    }
    return origExistsSync.call(this, p as string);
  });

  // Closing a descriptor forgets it: a reused number must not inherit write rights.
  for (const name of ['close', 'closeSync'] as const) {
    const orig = fs[name] as AnyFn;
    define(fs, name, function close(this: unknown, ...args: unknown[]) {
      if (args[0] === REPORT_FD) {
        reporter.deny({ op: 'write', syscall: name, path: `<fd ${REPORT_FD}>`, rule: 'sandbox', reason: 'the report channel of the sandbox' });
        const error = createCapabilityDenialError({ op: 'write', api: `fs.${name}(${REPORT_FD})`, policy: engine.name, rule: 'sandbox', reason: 'the report channel of the sandbox cannot be closed' });
        if (name === 'close' && typeof args[1] === 'function') {
          process.nextTick(args[1] as AnyFn, error);
          return undefined;
        }
        throw error;
      }
      if (typeof args[0] === 'number') writableFds.delete(args[0]);
      return orig.apply(this, args);
    });
  }

  // Streams: decide eagerly, so the refusal names the stream call.
  for (const [name, op] of [
    ['createReadStream', 'read'],
    ['createWriteStream', 'write'],
  ] as const) {
    const orig = fs[name] as AnyFn;
    const check = streamCheck(op);
    define(fs, name, function stream(this: unknown, ...raw: unknown[]) {
      const { shown, call } = snapshotArgs(name, raw);
      check(shown, name);
      return orig.apply(this, call);
    });
  }

  // --- promises ---
  const promises = fs.promises as unknown as Record<string, AnyFn>;
  let handleProtoPatched = false;
  const patchHandlePrototype = (proto: Record<string, AnyFn>) => {
    if (handleProtoPatched) return;
    handleProtoPatched = true;
    for (const m of ['write', 'writev', 'writeFile', 'appendFile', 'truncate', 'chmod', 'chown', 'utimes', 'createWriteStream']) {
      const orig = proto[m];
      if (typeof orig !== 'function') continue;
      define(proto, m, function guardedHandleMethod(this: object, ...args: unknown[]) {
        if (!writableHandles.has(this)) {
          try {
            fdDenied(handleFds.get(this), `filehandle.${m}`);
          } catch (error) {
            if (m === 'createWriteStream') throw error;
            return Promise.reject(error);
          }
        }
        return orig.apply(this, args);
      });
    }
  };
  for (const [name, check] of checks) {
    const orig = promises[name];
    if (typeof orig !== 'function') continue;
    let wrapped: AnyFn;
    if (name === 'open') {
      wrapped = async function open(this: unknown, ...raw: unknown[]) {
        const { shown, call } = snapshotArgs('open', raw);
        check(shown, 'open');
        let handle: { fd: number };
        try {
          handle = (await orig.apply(this, call)) as { fd: number };
        } catch (error) {
          throw fromNode(error, 'open', shown);
        }
        handleFds.set(handle, handle.fd);
        if (flagModes(call[1], fs.constants).write) writableHandles.add(handle);
        patchHandlePrototype(Object.getPrototypeOf(handle));
        return handle;
      };
    } else if (name === 'watch') {
      wrapped = function watch(this: unknown, ...raw: unknown[]) {
        const { shown, call } = snapshotArgs('watch', raw);
        check(shown, 'watch');
        return orig.apply(this, call);
      };
    } else {
      const ns = NAMESPACE_OPS.has(name);
      wrapped = async function guardedPromise(this: unknown, ...raw: unknown[]) {
        const { shown, call } = snapshotArgs(name, raw);
        check(shown, name);
        try {
          return await orig.apply(this, call);
        } catch (error) {
          throw fromNode(error, name, shown);
        } finally {
          if (ns) engine.invalidate();
        }
      };
    }
    define(promises, name, wrapped);
  }
  define(promises, 'cp', async function cp(src: unknown, dest: unknown, options?: unknown) {
    guardedCp(src, dest, options);
  });
  return Object.freeze({ checkPath });
}
