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
import { createDenialError } from '../policies/denial.js';
import type { CompiledPolicy, Decision } from '../policies/engine.js';
import type { FsOp } from '../policies/types.js';
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

  /** Decide on a path; for writes, refuse an existing file with other hard links. */
  const checkPath = (op: FsOp, p: unknown, syscall: string, aliasCheck = false): Decision => {
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
  const isCode = (x: unknown): boolean => {
    const p = typeof x === 'string' ? x : x instanceof URL && x.protocol === 'file:' ? x.pathname : undefined;
    if (p === undefined || !path.isAbsolute(p) || path.normalize(p) !== p) return false;
    return opts.codePaths.some((c) => p === c || p.startsWith(`${c}/`));
  };

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
      if (op === 'read' && isCode(x)) return;
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

  // Per-entry checks for cp: compose a filter so every copied entry is decided.
  const cpFilter = (userFilter: unknown, sync: boolean) => (src: string, dest: string) => {
    checkPath('read', src, 'cp');
    checkPath('write', dest, 'cp', true);
    if (typeof userFilter === 'function') return sync ? userFilter(src, dest) : userFilter(src, dest);
    return true;
  };
  const cpArgs = (args: unknown[], sync: boolean): unknown[] => {
    const out = args.slice();
    const optIndex = typeof out[2] === 'function' || out[2] === undefined ? 2 : 2;
    const options = typeof out[optIndex] === 'object' && out[optIndex] !== null ? (out[optIndex] as Record<string, unknown>) : {};
    const composed = { ...options, filter: cpFilter(options.filter, sync) };
    if (typeof out[2] === 'function') out.splice(2, 0, composed);
    else out[2] = composed;
    return out;
  };

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
  checks.set('copyFile', both(target(0, 'read'), target(1, 'write', true)));
  checks.set('rename', namespace(both(target(0, 'write'), target(1, 'write'))));
  checks.set('link', namespace(both(target(0, 'write'), target(1, 'write'))));
  checks.set('symlink', symlinkCheck);
  checks.set('mkdtemp', mkdtempCheck);
  checks.set('open', openCheck(1));
  checks.set('glob', globCheck);
  checks.set('cp', namespace(both(target(0, 'read'), target(1, 'write'))));

  const define = (obj: object, name: string, value: unknown) => {
    Object.defineProperty(obj, name, { value, writable: false, configurable: false, enumerable: true });
  };

  const trackOpenedFd = (fd: unknown, flags: unknown) => {
    if (typeof fd === 'number' && flagModes(flags, fs.constants).write) writableFds.add(fd);
  };

  // --- sync and callback forms on `fs` ---
  for (const [name, check] of checks) {
    const syncName = `${name}Sync`;
    const origSync = (fs as unknown as Record<string, AnyFn>)[syncName];
    if (typeof origSync === 'function' && name !== 'exists') {
      let wrapped: AnyFn;
      if (name === 'open') {
        wrapped = function openSync(this: unknown, ...args: unknown[]) {
          check(args, 'open');
          const fd = origSync.apply(this, args);
          trackOpenedFd(fd, args[1]);
          return fd;
        };
      } else if (name === 'cp') {
        wrapped = function cpSync(this: unknown, ...args: unknown[]) {
          check(args, 'cp');
          try {
            return origSync.apply(this, cpArgs(args, true));
          } finally {
            engine.invalidate();
          }
        };
      } else {
        wrapped = function guardedSync(this: unknown, ...args: unknown[]) {
          check(args, name);
          return origSync.apply(this, args);
        };
      }
      if (name === 'realpath' && typeof (origSync as unknown as { native?: AnyFn }).native === 'function') {
        const origNative = (origSync as unknown as { native: AnyFn }).native;
        define(wrapped, 'native', function realpathSyncNative(this: unknown, ...args: unknown[]) {
          check(args, 'realpath');
          return origNative.apply(this, args);
        });
      }
      define(fs, syncName, wrapped);
    }
    const orig = (fs as unknown as Record<string, AnyFn>)[name];
    if (typeof orig !== 'function' || name === 'glob' && !orig) continue;
    const isCallbackApi = name !== 'watch' && name !== 'watchFile' && name !== 'openAsBlob';
    let wrapped: AnyFn;
    if (!isCallbackApi) {
      wrapped = function guarded(this: unknown, ...args: unknown[]) {
        check(args, name);
        return orig.apply(this, args);
      };
    } else {
      wrapped = function guardedCallback(this: unknown, ...args: unknown[]) {
        const cb = args[args.length - 1];
        try {
          check(args, name);
        } catch (error) {
          if (typeof cb !== 'function') throw error;
          if (name === 'exists') process.nextTick(cb as AnyFn, false);
          else process.nextTick(cb as AnyFn, error);
          return undefined;
        }
        if (typeof cb === 'function' && (name === 'open' || name === 'cp' || checks.get(name) === checks.get('rm'))) {
          const callArgs = name === 'cp' ? cpArgs(args.slice(0, -1), false) : args.slice(0, -1);
          return orig.apply(this, [
            ...callArgs,
            (err: unknown, result: unknown) => {
              if (name === 'open' && !err) trackOpenedFd(result, args[1]);
              else engine.invalidate();
              (cb as AnyFn)(err, result);
            },
          ]);
        }
        return orig.apply(this, args);
      };
    }
    if (name === 'realpath' && typeof (orig as unknown as { native?: AnyFn }).native === 'function') {
      const origNative = (orig as unknown as { native: AnyFn }).native;
      define(wrapped, 'native', function realpathNative(this: unknown, ...args: unknown[]) {
        const cb = args[args.length - 1];
        try {
          check(args, 'realpath');
        } catch (error) {
          if (typeof cb !== 'function') throw error;
          process.nextTick(cb as AnyFn, error);
          return undefined;
        }
        return origNative.apply(this, args);
      });
    }
    define(fs, name, wrapped);
  }

  // existsSync answers false for a denied path, as it does for an unreadable one.
  const origExistsSync = fs.existsSync;
  define(fs, 'existsSync', function existsSync(this: unknown, p: unknown) {
    try {
      checks.get('exists')?.([p], 'exists');
    } catch {
      return false;
    }
    return origExistsSync.call(this, p as string);
  });

  // Closing a descriptor forgets it: a reused number must not inherit write rights.
  for (const name of ['close', 'closeSync'] as const) {
    const orig = fs[name] as AnyFn;
    define(fs, name, function close(this: unknown, ...args: unknown[]) {
      if (typeof args[0] === 'number' && args[0] > 2) writableFds.delete(args[0]);
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
    define(fs, name, function stream(this: unknown, ...args: unknown[]) {
      check(args, name);
      return orig.apply(this, args);
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
      wrapped = async function open(this: unknown, ...args: unknown[]) {
        check(args, 'open');
        const handle = (await orig.apply(this, args)) as { fd: number };
        handleFds.set(handle, handle.fd);
        if (flagModes(args[1], fs.constants).write) writableHandles.add(handle);
        patchHandlePrototype(Object.getPrototypeOf(handle));
        return handle;
      };
    } else if (name === 'watch') {
      wrapped = function watch(this: unknown, ...args: unknown[]) {
        check(args, 'watch');
        return orig.apply(this, args);
      };
    } else {
      const cp = name === 'cp';
      const ns = checks.get(name) === checks.get('rm') || name === 'rename' || name === 'link' || name === 'symlink' || cp;
      wrapped = async function guardedPromise(this: unknown, ...args: unknown[]) {
        check(args, name);
        try {
          return await orig.apply(this, cp ? cpArgs(args, false) : args);
        } finally {
          if (ns) engine.invalidate();
        }
      };
    }
    define(promises, name, wrapped);
  }
  return Object.freeze({ checkPath });
}
