/**
 * The fs guard: wraps every entry point of `node:fs` and `node:fs/promises`
 * that names a path (or writes through a descriptor), decides with the policy
 * engine before the call, and refuses with an `EACCES` error that names the
 * rule. Wrapped properties are non-configurable: sleeve code cannot delete
 * them or turn them into accessors, but may assign them (graceful-fs replaces
 * fs.close, fs.read, fs.stat, ...). A replacement is only ever the sleeve's
 * own function in front of a wrapper: no unguarded original is reachable
 * (they live in this module's closures), and the guard's own walks (cp) call
 * the wrappers it installed. Node's own functions then call the sleeve's
 * replacement (readFileSync calls fs.openSync), so sleeve code can run inside
 * a wrapped call: the nested-call shortcut below holds only while nothing has
 * changed the namespace since the outer decision.
 *
 * The functions and what they ask are data (fs-table.ts); this module turns
 * each row into its sync, callback and promise wrappers. It keeps no state a
 * sleeve can steer: no cached listing, and what it remembers only the sleeve's
 * own writes could make stale, and those forget it (allowed reads until the
 * next write, see checkPath; directories until the next change of names,
 * resolution-memory.ts and CONTENT_WRITES), no change of names made on the
 * threadpool behind a decision (NAMESPACE_OPS), no switch that turns the wrappers off (cp is a
 * walk of guarded calls, cp-plan.ts), descriptors trusted only with the
 * identity of their file (descriptors.ts), FileHandle methods guarded before
 * any sleeve code runs, and file facts read from mode bits of Stats objects
 * whose prototype chain was checked (intrinsics.ts), never from their methods.
 *
 * Node's own permission layer refuses some calls the policy allows (its
 * grants are coarser): such a refusal is reported with rule `node-permission`
 * and answered in the one denial shape.
 *
 * What it does not see (the Node permission layer and the auditor cover it):
 * Node's own module loading, and anything reached through internal bindings.
 *
 * An allowed call behaves as the bare call: the same result, error and effect
 * (tests/sandbox/fidelity.test.ts runs every wrapped function both ways and
 * lists the few differences kept on purpose, each failing closed).
 */
import type fsModule from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCapabilityDenialError, createDenialError } from '../policies/denial.js';
import type { CompiledPolicy, Decision } from '../policies/engine.js';
import type { FsOp } from '../policies/types.js';
import { snapshotArgs } from './arg-snapshot.js';
import { type CpIo, normalizeCpOptions, runCpAsync, runCpSync } from './cp-plan.js';
import { createDescriptorTable } from './descriptors.js';
import { type Access, FS_TABLE, type FsEntry, entryWrites, pathIndexes } from './fs-table.js';
import type { ResolutionMemory } from './resolution-memory.js';
import { createStatReader, mapClear, mapGet, mapSet, listOf, put, reflectApply, setHas, uncurry } from './intrinsics.js';
import { isNodeRefusal } from './node-permission.js';
import { regexpExec } from '../policies/regexp.js';
import { intrinsicsReplaced, plantedOnStringChain } from './harden.js';
import { flagModes } from './open-flags.js';
import { REPORT_FD } from './protocol.js';
import type { Reporter } from './reporter.js';

export { flagModes } from './open-flags.js';

type Fs = typeof fsModule;
type AnyFn = (...args: unknown[]) => unknown;
type Check = (args: unknown[], syscall: string) => void;

export interface FsGuardOptions {
  engine: CompiledPolicy;
  reporter: Reporter;
  /**
   * The sleeve's own compiled code and the sandbox's: Node's module loader
   * reads them through the public fs API. Reads of exactly these files (or
   * below these directories), spelled as clean absolute paths, are not decided.
   */
  codePaths: readonly string[];
  /**
   * Real directories of installed packages: a read the policy would refuse
   * only for want of an allow rule is allowed when the path RESOLVES inside
   * one of them (a symlink out of node_modules gains nothing); a policy deny
   * still wins; a write below one is always refused (code is read-only).
   */
  packageDirs?: readonly string[];
  /** Stack lines naming this file (the sandbox's bundle) are cut from denial errors. */
  hideFrames?: string;
  /** A file the guard may open once to learn the FileHandle class (default: none; then on the first open). */
  handleProbe?: string;
  /** The write records' descriptor (protocol.ts WRITES_FD), when the runner gave one: never closed by the sleeve, as fd 3. */
  recordsFd?: number;
  /**
   * Remember allowed reads until the next write (checkPath). Only where the guard sees every change the
   * sleeve can make to the tree: not when it may start workers, child processes or native addons, which
   * change it beside this guard (bootstrap.ts). Default true.
   */
  rememberReads?: boolean;
  /** Directories inside the run dir the resolver learned about (the Sys's): forgotten at every change of names. */
  resolutionMemory?: ResolutionMemory;
}

export interface FsGuard {
  /** Decides a path as the wrapped fs calls do: reports and throws EACCES when denied. */
  checkPath(op: FsOp, p: unknown, syscall: string, aliasCheck?: boolean): Decision;
  /** Settles once the FileHandle prototype is guarded: await it before any sleeve code runs. */
  ready: Promise<void>;
}

const { isAbsolute, normalize, join, dirname } = path;
const startsWith = uncurry(String.prototype.startsWith);
const stringIncludes = uncurry(String.prototype.includes);
const bufferIsBuffer = Buffer.isBuffer;
const bufferToString = uncurry(Buffer.prototype.toString);
const nextTick = process.nextTick;
const PromiseCtor = Promise;
const promiseReject = Promise.reject;
const promiseThen = uncurry(Promise.prototype.then);
const promiseRejectWith = (error: unknown): Promise<never> => reflectApply(promiseReject, PromiseCtor, [error]) as Promise<never>;
const stringReplace = uncurry(String.prototype.replace) as unknown as (s: string, from: string, to: string) => string;
const TypeErrorCtor = TypeError;
const getCwd = process.cwd;
const cwd = () => reflectApply(getCwd, process, []) as string;
const defineProperty = Object.defineProperty;
const getPrototypeOf = Object.getPrototypeOf;

/**
 * Node's fs reads `path.href` of every path string it is given (to accept
 * URLs), after the guard has decided: a getter planted on the string
 * prototypes would run sleeve code between the decision and the system call
 * (and could swap the decided name for a symlink). So a decision is refused
 * while one is there; nothing else puts one there.
 */
const HREF: readonly string[] = ['href'];
const hrefPlanted = (): string | undefined => plantedOnStringChain(HREF);
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const promisifyCustom = promisify.custom;
/**
 * What util.promisify reads off the original (fs.read's and fs.write's result
 * names): copied when it is data. A function there would be an unguarded way
 * in, so none is copied (fs.exists gets its own, below).
 */
const copyPromisifyHints = (from: AnyFn, to: AnyFn) => {
  const symbols = getOwnPropertySymbols(from);
  for (let i = 0; i < symbols.length; i++) {
    const d = getOwnPropertyDescriptor(from, symbols[i] as symbol);
    if (d && 'value' in d && typeof d.value !== 'function') defineProperty(to, symbols[i] as symbol, d);
  }
};

/**
 * A value of no path type at all (undefined, null, a boolean, a number where no
 * descriptor is taken, a bigint, a symbol) names no file: Node's own argument
 * validation refuses it with ERR_INVALID_ARG_TYPE before any system call, which
 * is what the bare call gets. Such a value is not decided (no denial, no report)
 * and the call goes on to Node, which throws. Objects and functions are always
 * decided: Node reads a URL-like object's fields itself, so a lying object could
 * name a file the guard never saw.
 */
const noPath = (x: unknown): boolean => x === null || (typeof x !== 'object' && typeof x !== 'function' && typeof x !== 'string');

/**
 * Node's own refusal of a bad argument (ERR_INVALID_ARG_TYPE, ...): not a permission refusal, and not a
 * system error (ERR_FS_EISDIR of rm names its syscall), which the callback forms deliver to the callback.
 */
const isArgumentError = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && startsWith(code, 'ERR_') && !isNodeRefusal(error) && (error as { syscall?: unknown }).syscall === undefined;
};

const stringSlice = uncurry(String.prototype.slice);
const stringIndexOf = uncurry(String.prototype.indexOf);
const stringCharCodeAt = uncurry(String.prototype.charCodeAt);
const WRITE_PERMISSION = /Write/i;
const symbolDispose = (Symbol as { dispose?: symbol }).dispose;
const symbolAsyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose;
const bufferFrom = Buffer.from;
const ownDescriptor = Object.getOwnPropertyDescriptor;
const isArrayValue = Array.isArray;

/**
 * The snapshot makes a relative path absolute (an asynchronous call must not move
 * with a later chdir), so Node names the absolute path where the bare call names
 * the sleeve's spelling. `respell` turns such a path back: what the cwd prefix
 * added is taken off again. Only the spelling changes; the call was decided and
 * made on the absolute path. Undefined when the sleeve's path was not relative.
 */
const respeller = (shown: unknown, call: unknown): ((text: string) => string) | undefined => {
  if (typeof shown !== 'string' || typeof call !== 'string' || shown === call || shown.length >= call.length) return undefined;
  const base = stringSlice(call, 0, call.length - shown.length);
  if (base + shown !== call || stringCharCodeAt(base, base.length - 1) !== 47) return undefined;
  return (text) => (startsWith(text, base) ? stringSlice(text, base.length) : text);
};

/** An error's path and dest (and the same words in its message), spelled as the sleeve spelled its arguments. */
const respellError = (error: unknown, shown: readonly unknown[], call: readonly unknown[]): unknown => {
  if (typeof error !== 'object' || error === null) return error;
  const e = error as { path?: unknown; dest?: unknown; message?: unknown };
  for (let i = 0; i < 2; i++) {
    const respell = respeller(shown[i], call[i]);
    const key = i === 0 ? 'path' : 'dest';
    const was = e[key];
    if (respell === undefined || typeof was !== 'string') continue;
    const now = respell(was);
    if (now === was) continue;
    e[key] = now;
    const message = e.message;
    const at = typeof message === 'string' ? stringIndexOf(message, `'${was}'`) : -1;
    if (at >= 0) e.message = `${stringSlice(message as string, 0, at)}'${now}'${stringSlice(message as string, at + was.length + 2)}`;
  }
  return error;
};

/** The calls whose result names the path (respellResult). */
const NAMING_RESULTS: ReadonlySet<string> = new Set(['mkdir', 'mkdtemp', 'mkdtempDisposable', 'readdir', 'opendir']);

/** What mkdir (recursive), mkdtemp, mkdtempDisposable, readdir (Dirents) and opendir return names the path: spelled back too. */
const respellResult = (name: string, result: unknown, shown: readonly unknown[], call: readonly unknown[]): unknown => {
  if (!setHas(NAMING_RESULTS, name)) return result;
  const respell = respeller(shown[0], call[0]);
  if (respell === undefined || typeof result !== 'object' || result === null) {
    return respell !== undefined && typeof result === 'string' && (name === 'mkdir' || name === 'mkdtemp') ? respell(result) : result;
  }
  if (name === 'mkdtempDisposable' && !bufferIsBuffer(result)) {
    const p = ownDescriptor(result, 'path');
    if (p?.writable && typeof p.value === 'string') (result as { path: string }).path = respell(p.value);
    return result;
  }
  if (name === 'mkdtemp' && bufferIsBuffer(result)) {
    const text = bufferToString(result, 'utf8');
    const now = respell(text);
    return now === text ? result : bufferFrom(now, 'utf8');
  }
  const fix = (o: object, key: string) => {
    const d = ownDescriptor(o, key);
    if (d?.writable && typeof d.value === 'string') (o as Record<string, unknown>)[key] = respell(d.value);
  };
  if (name === 'readdir' && isArrayValue(result)) {
    for (let i = 0; i < result.length; i++) {
      const dirent = result[i] as unknown;
      if (typeof dirent === 'object' && dirent !== null && !bufferIsBuffer(dirent)) {
        fix(dirent, 'parentPath');
        fix(dirent, 'path');
      }
    }
  } else if (name === 'opendir') {
    // Dir's path is a getter on its prototype: an own property spells it back for this one Dir.
    const p = (result as { path?: unknown }).path;
    if (typeof p === 'string') defineProperty(result, 'path', { value: respell(p), writable: false, configurable: true, enumerable: false });
  }
  return result;
};

/**
 * The calls that change what a name resolves to (they make, move or remove links and
 * directories). Their callback and promise forms are made synchronously, on the guard's own
 * thread, and answered asynchronously: on the threadpool one would land at a moment the
 * guard does not see, between another call's decision and its use (an fs.promises.symlink
 * racing a readFileSync of a path through the link's name read the denied fallback about
 * once in 20 tries; tests/sandbox/read-cache.test.ts). What stays on the threadpool writes
 * file contents and metadata, which never change where a name leads.
 */
const NAMESPACE_OPS: ReadonlySet<string> = new Set(['symlink', 'link', 'rename', 'unlink', 'rmdir', 'rm', 'mkdir', 'mkdtemp']);

/**
 * The writes that change contents or metadata and never a name (what an existing name resolves
 * to, or a directory's being one): the resolution memory survives them. Every other write, a
 * name not listed here included, forgets it (resolution-memory.ts).
 */
const CONTENT_WRITES: ReadonlySet<string> = new Set([
  'open',
  'readFile',
  'writeFile',
  'appendFile',
  'copyFile',
  'truncate',
  'createWriteStream',
  'chmod',
  'lchmod',
  'chown',
  'lchown',
  'utimes',
  'lutimes',
]);

/** Remembered allowed reads at most; past it the memory starts over. */
const READ_CACHE_MAX = 50_000;

export function installFsGuard(fs: Fs, opts: FsGuardOptions): FsGuard {
  const { engine, reporter } = opts;
  /** Installs a wrapper: assignable (see above), never deleted or redefined. */
  const define = (obj: object, name: string, value: unknown) => {
    defineProperty(obj, name, { value, writable: true, configurable: false, enumerable: true });
  };
  /**
   * Counts decided writes (and shortcut ones): every change a sleeve can make
   * to the namespace (unlink, symlink, rename, ...) goes through a wrapper.
   */
  let mutations = 0;
  /**
   * Asynchronous writes decided and not yet settled: one runs on the threadpool at a moment the guard
   * does not see, so while any is in flight nothing is remembered (and its settling counts as a write).
   * Without this, a read remembered between the decision of an fs.promises.symlink and the link's
   * creation would outlive the link (tests/sandbox/read-cache.test.ts).
   */
  let inFlight = 0;
  const remembering = opts.rememberReads !== false;
  const memory = opts.resolutionMemory;
  /** A write was decided, or one that may change names has just been made: see `mutations` and CONTENT_WRITES. */
  const wrote = (name: string) => {
    mutations++;
    if (memory !== undefined && !setHas(CONTENT_WRITES, name)) memory.forget();
  };
  /** After a call that may have changed names: sleeve code may have run inside it and remembered what it changed. */
  const madeNames = (name: string) => {
    if (setHas(CONTENT_WRITES, name)) return;
    mutations++;
    memory?.forget();
  };
  /** Allowed reads by absolute spelling, valid while `mutations` is unchanged and nothing is in flight (checkPath). */
  const readCache = new Map<string, { epoch: number; decision: Decision }>();
  let readCacheSize = 0;
  const constants = { ...fs.constants };
  const original = {
    lstatSync: fs.lstatSync,
    statSync: fs.statSync,
    fstatSync: fs.fstatSync,
    openSync: fs.openSync as unknown as AnyFn,
    promisesOpen: fs.promises.open as unknown as AnyFn,
    realpathNative: fs.realpathSync.native as unknown as AnyFn,
  };
  const stats = createStatReader(original as never, fs.Stats);
  const fds = createDescriptorTable((fd) => stats.fstat(fd));
  fds.trackWritable(1);
  fds.trackWritable(2);

  const refuse = (decision: Decision, syscall: string): never => {
    reporter.deny({
      op: decision.op,
      syscall,
      path: decision.path,
      ...(decision.resolved === undefined ? {} : { resolved: decision.resolved }),
      rule: decision.rule ? `${decision.rule.list} ${JSON.stringify(decision.rule.pattern)}` : `fs.${decision.op}`,
      reason: decision.reason,
    });
    throw withoutSandboxFrames(createDenialError(decision, syscall));
  };

  // The sleeve's stack, not the guard's: frames of the sandbox's own bundle are cut.
  const hidden = opts.hideFrames;
  const withoutSandboxFrames = <E extends Error>(error: E): E => {
    if (hidden === undefined) return error;
    const stack = error.stack;
    if (typeof stack !== 'string') return error;
    // By hand (no split/join): a sleeve may have replaced String.prototype[Symbol.split].
    let kept = '';
    for (let at = 0; at < stack.length; ) {
      const nl = stringIndexOf(stack, '\n', at);
      const end = nl === -1 ? stack.length : nl;
      const line = stringSlice(stack, at, end);
      if (!stringIncludes(line, hidden)) kept = kept === '' ? line : `${kept}\n${line}`;
      at = end + 1;
    }
    defineProperty(error, 'stack', { value: kept, writable: true, configurable: true, enumerable: false });
    return error;
  };

  const packageDirs = opts.packageDirs ?? [];
  const inPackageDir = (resolved: string | undefined): boolean => {
    if (resolved === undefined) return false;
    for (let i = 0; i < packageDirs.length; i++) {
      const d = packageDirs[i] as string;
      if (resolved === d || startsWith(resolved, `${d}/`)) return true;
    }
    return false;
  };

  const isCode = (x: unknown): boolean => {
    const p = typeof x === 'string' ? x : x instanceof URL && x.protocol === 'file:' ? x.pathname : undefined;
    if (p === undefined) return false;
    const code = opts.codePaths;
    for (let i = 0; i < code.length; i++) {
      const c = code[i] as string;
      // The prefix first: normalizing every path read costs more than the rest of a remembered read.
      if ((p === c || startsWith(p, `${c}/`)) && isAbsolute(p) && normalize(p) === p) return true;
    }
    return false;
  };

  /** A decision refused because sleeve code could run inside it or after it (checkPath). */
  const refusePlanted = (op: FsOp, p: unknown, syscall: string, reason: string): never => {
    const shown = typeof p === 'string' ? p : bufferIsBuffer(p) ? bufferToString(p, 'utf8') : `<${typeof p}>`;
    return refuse({ allowed: false, op, path: shown, reason, policy: engine.name }, syscall);
  };

  /** Decide on a path; for writes, refuse an existing file with other hard links. `report`: tell the runner of the write. */
  const checkPath = (op: FsOp, p: unknown, syscall: string, aliasCheck = false, report = true): Decision => {
    if (op === 'write') wrote(syscall);
    if (op === 'read' && isCode(p)) {
      return { allowed: true, op, path: String(p), resolved: String(p), reason: 'code of the sleeve or the sandbox', policy: engine.name };
    }
    const planted = hrefPlanted();
    if (planted !== undefined) refusePlanted(op, p, syscall, `${planted}: Node's fs would run it after the decision`);
    // Reads repeat: an allowed read of a string path is remembered until this sleeve's next write of any
    // kind (a link, rename or directory it makes could change what the path resolves to), per absolute
    // spelling. Only another process could change the tree meanwhile, and none that runs in the batch
    // can write where a sleeve reads (README: Known limits).
    const key = op === 'read' && remembering && inFlight === 0 && typeof p === 'string' ? (stringCharCodeAt(p, 0) === 47 ? p : `${cwd()}/${p}`) : undefined;
    if (key !== undefined) {
      const hit = mapGet(readCache, key) as { epoch: number; decision: Decision } | undefined;
      if (hit !== undefined && hit.epoch === mutations) return hit.decision;
    }
    // What the engine runs on (array and string built-ins V8 needs untouched, harden.ts): checked before it runs.
    const replaced = intrinsicsReplaced();
    if (replaced !== undefined) refusePlanted(op, p, syscall, `${replaced}: it would run sleeve code inside the decision`);
    let decision: Decision;
    if (memory !== undefined && op === 'read') {
      memory.reading(true);
      try {
        decision = engine.decide(op, p);
      } finally {
        memory.reading(false);
      }
    } else {
      decision = engine.decide(op, p);
    }
    if (key !== undefined && decision.allowed) {
      if (readCacheSize >= READ_CACHE_MAX) {
        mapClear(readCache);
        readCacheSize = 0;
      }
      mapSet(readCache, key, { epoch: mutations, decision });
      readCacheSize++;
    }
    if (!decision.allowed) {
      // Installed package code: readable where no deny names it, wherever the policy's allows end.
      if (op === 'read' && decision.rule === undefined && decision.lexical === undefined && inPackageDir(decision.resolved)) {
        return { ...decision, allowed: true, reason: 'code of an installed package' };
      }
      return refuse(decision, syscall);
    }
    if (op === 'write' && inPackageDir(decision.resolved)) {
      return refuse(
        { ...decision, allowed: false, rule: undefined, reason: 'installed package code is read-only to sleeves (another sleeve loads it)' },
        syscall,
      );
    }
    if (op === 'write' && decision.resolved !== undefined) {
      // A name that was absent when it was resolved has no other links (the resolver's lstat saw nothing there).
      if (aliasCheck && decision.absent !== true) {
        let links = 0;
        let problem: string | undefined;
        try {
          const st = stats.lstat(decision.resolved);
          if (st?.kind === 'file') links = st.nlink;
        } catch (error) {
          problem = (error as Error).message;
        }
        if (problem !== undefined || links > 1) {
          return refuse(
            {
              ...decision,
              allowed: false,
              rule: undefined,
              reason: problem ?? `the file has ${links} hard links: writing it could change a file outside the run dir`,
            },
            syscall,
          );
        }
      }
      if (report) reporter.wrote(decision.resolved);
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

  /** A descriptor, a FileHandle or a path in argument `x`. `typed`: Node refuses a value of no path type here. */
  const decideTarget = (x: unknown, access: Access, syscall: string, descriptor: boolean, alias: boolean, typed = true) => {
    if (descriptor && typeof x === 'number') {
      if (access === 'write' && !fds.isWritable(x)) fdDenied(x, syscall);
      return;
    }
    if (descriptor && fds.isHandle(x)) {
      if (access === 'write' && !fds.isWritableHandle(x)) fdDenied(fds.handleFd(x), syscall);
      return;
    }
    if (typed && noPath(x)) return; // Node refuses it as the bare call does (see noPath)
    checkPath(access, x, syscall, alias);
  };

  const optionFlag = (o: unknown): unknown => (typeof o === 'object' && o !== null ? (o as { flag?: unknown }).flag : undefined);

  const makeCheck = (e: FsEntry): Check => {
    if (e.fdWrite) {
      return (args, syscall) => {
        if (!fds.isWritable(args[0])) fdDenied(args[0], syscall);
      };
    }
    if (e.special === 'symlink') {
      return (args, syscall) => {
        const [targetArg, linkArg] = args;
        if (noPath(linkArg)) return; // Node refuses it (see noPath)
        const link = checkPath('write', linkArg, syscall);
        if (noPath(targetArg)) return; // the link is decided; Node refuses the target
        // The target is read through the link later: it must be readable now.
        const text = typeof targetArg === 'string' ? targetArg : bufferIsBuffer(targetArg) ? bufferToString(targetArg, 'utf8') : targetArg;
        const resolvedTarget = typeof text === 'string' && link.resolved !== undefined && !isAbsolute(text) ? join(dirname(link.resolved), text) : text;
        checkPath('read', resolvedTarget, syscall);
      };
    }
    if (e.special === 'mkdtemp') {
      // The directory made is reported once it exists (see `reportMade`); the template is only decided.
      return (args, syscall) => {
        const prefix = args[0];
        if (noPath(prefix)) return; // Node refuses it (see noPath)
        checkPath('write', typeof prefix === 'string' ? `${prefix}XXXXXX` : prefix, syscall, false, false);
      };
    }
    if (e.special === 'glob') {
      return (args, syscall) => {
        const o = args[1];
        const where = typeof o === 'object' && o !== null && 'cwd' in o ? (o as { cwd: unknown }).cwd : cwd();
        checkPath('read', where, syscall);
      };
    }
    const flagsAt = e.flagsAt;
    if (flagsAt !== undefined) {
      return (args, syscall) => {
        if (noPath(args[0])) return; // Node refuses it (see noPath)
        const modes = flagModes(args[flagsAt], constants);
        if (modes.read) checkPath('read', args[0], syscall);
        if (modes.write) checkPath('write', args[0], syscall, true);
      };
    }
    return (args, syscall) => {
      for (let i = 0; i < e.paths.length; i++) {
        const access = e.paths[i];
        if (access === null || access === undefined) continue;
        decideTarget(args[i], access, syscall, i === 0 && e.descriptor === true, e.alias === true && access === 'write', e.untyped !== true);
      }
      // readFile opens with options.flag: a writing flag ("w", "a", "r+") makes it a write.
      if (e.optionFlag) {
        const flag = optionFlag(args[1]);
        if (flag !== undefined && flagModes(flag, constants).write) decideTarget(args[0], 'write', syscall, true, true);
      }
    };
  };

  /** Does this call write? (what Node's refusal is reported as, and the nested-call rule) */
  const writesWith = (name: string, e: FsEntry | undefined, args: readonly unknown[]): boolean => {
    if (name === 'open') return flagModes(args[1], constants).write;
    if (name === 'readFile') {
      const flag = optionFlag(args[1]);
      return flag !== undefined && flagModes(flag, constants).write;
    }
    return e !== undefined && entryWrites(e);
  };

  /** Node's own permission layer refused the call: report it and answer in the one denial shape. */
  function fromNode(error: unknown, syscall: string, args: readonly unknown[], writes: boolean, call?: readonly unknown[], respell = true): unknown {
    if (!isNodeRefusal(error)) return call === undefined || !respell ? error : respellError(error, args, call);
    const e = error as { permission?: string; resource?: string; message?: string };
    const twoPaths = syscall === 'symlink' || syscall === 'link' || syscall === 'rename' || syscall === 'copyFile' || syscall === 'cp';
    const spelled = args[twoPaths ? 1 : 0];
    const op = e.permission ? (regexpExec(WRITE_PERMISSION, e.permission) !== null ? 'write' : 'read') : writes ? 'write' : 'read';
    const target = e.resource || (typeof spelled === 'string' ? spelled : bufferIsBuffer(spelled) ? bufferToString(spelled, 'utf8') : String(spelled ?? ''));
    const reason = `refused by Node's permission model (${e.permission || e.message || 'unknown'})`;
    reporter.deny({ op, syscall, path: target, rule: 'node-permission', reason });
    return createCapabilityDenialError({ op, api: target, policy: engine.name, rule: 'node-permission', reason });
  }

  /**
   * mkdtemp made a directory: report the one it made (the template was decided before). Node 24's
   * mkdtempDisposable(Sync) returns `{ path, remove, [Symbol.dispose or asyncDispose] }`, whose remove
   * deletes the tree below that path through Node's bindings: it is decided as an rm of the path first,
   * so a parent re-pointed since (a link into the lakehouse) is refused, not followed.
   */
  const reportMade = (made: unknown) => {
    const disposable = typeof made === 'object' && made !== null && !bufferIsBuffer(made);
    const named = disposable ? ownDescriptor(made, 'path')?.value : made;
    const text = typeof named === 'string' ? named : bufferIsBuffer(named) ? bufferToString(named, 'utf8') : undefined;
    if (text === undefined) return;
    const decision = engine.decide('write', text);
    if (decision.resolved !== undefined) reporter.wrote(decision.resolved);
    if (!disposable) return;
    const full = isAbsolute(text) ? text : join(cwd(), text);
    const box = made as Record<PropertyKey, unknown>;
    const original = box.remove;
    if (typeof original !== 'function') return;
    const asyncForm = symbolAsyncDispose !== undefined && typeof box[symbolAsyncDispose] === 'function';
    const guardedRemove = asyncForm
      ? async function remove(): Promise<unknown> {
          checkPath('write', full, 'rm');
          try {
            return await reflectApply(original, undefined, []);
          } finally {
            madeNames('rm');
          }
        }
      : function remove(): unknown {
          checkPath('write', full, 'rm');
          try {
            return reflectApply(original, undefined, []);
          } finally {
            madeNames('rm');
          }
        };
    box.remove = guardedRemove;
    if (asyncForm) box[symbolAsyncDispose as symbol] = async () => void (await guardedRemove());
    else if (symbolDispose !== undefined && typeof box[symbolDispose] === 'function') box[symbolDispose] = () => void guardedRemove();
  };

  // --- sync, callback and plain forms on `fs` ---
  /**
   * Node's own sync functions call other wrapped ones on the same path
   * (readFileSync opens through fs.openSync): a nested call on the path the
   * outer call was already decided for, asking no more than it did, with no
   * write made since the outer decision (sleeve code may run in between: a
   * replaced fs.openSync, a replaced process.emitWarning), is not
   * decided again. Anything else nested (another path, a write under a read) is.
   */
  let outer: { path: unknown; write: boolean; mutations: number } | undefined;
  const syncWrap = (name: string, e: FsEntry, orig: AnyFn, check: Check): AnyFn => {
    const paths = pathIndexes(e);
    const texts = e.special === 'symlink' ? [0] : [];
    const keep = e.data === undefined ? [] : [e.data];
    const respell = respells(orig);
    return function guardedSync(this: unknown, ...raw: unknown[]) {
      const { shown, call } = snapshotArgs(raw, paths, texts, snapEnv, keep);
      const write = writesWith(name, e, call);
      const nested = outer !== undefined && typeof call[0] === 'string' && call[0] === outer.path && (outer.write || !write) && outer.mutations === mutations;
      if (!nested) check(shown, name);
      else if (write) wrote(name);
      let result: unknown;
      const previous = outer;
      outer = { path: call[0], write, mutations };
      try {
        result = reflectApply(orig, this, call);
      } catch (error) {
        throw fromNode(error, name, shown, write, call, respell);
      } finally {
        outer = previous;
        if (write) madeNames(name);
      }
      if (name === 'open' && write && typeof result === 'number') fds.trackWritable(result);
      if (e.special === 'mkdtemp') reportMade(result);
      return respell ? respellResult(name, result, shown, call) : result;
    };
  };
  const callbackWrap = (name: string, e: FsEntry, orig: AnyFn, check: Check, origSync: AnyFn | undefined): AnyFn => {
    const paths = pathIndexes(e);
    const texts = e.special === 'symlink' ? [0] : [];
    const keep = e.data === undefined ? [] : [e.data];
    const respell = respells(orig);
    return function guardedCallback(this: unknown, ...raw: unknown[]) {
      const cb = raw[raw.length - 1];
      const { shown, call } = snapshotArgs(raw, paths, texts, snapEnv, keep);
      try {
        check(shown, name);
      } catch (error) {
        if (typeof cb !== 'function') throw error;
        nextTick(cb as AnyFn, error);
        return undefined;
      }
      if (typeof cb !== 'function') return reflectApply(orig, this, call);
      const write = writesWith(name, e, call);
      const args = listOf(call, call.length - 1);
      if (name === 'open' && write && origSync !== undefined) {
        // A descriptor opened for writing is tracked with the identity of its file the
        // moment it exists: the open is made now, with no sleeve code in between.
        let fd: unknown;
        try {
          fd = reflectApply(origSync, this, args);
        } catch (error) {
          // A bad argument (ERR_INVALID_*) is thrown by the bare fs.open too, before any callback.
          if (isArgumentError(error)) throw error;
          nextTick(cb as AnyFn, fromNode(error, name, shown, write, call));
          return undefined;
        }
        if (typeof fd === 'number') fds.trackWritable(fd);
        nextTick(cb as AnyFn, null, fd);
        return undefined;
      }
      if (origSync !== undefined && (name === 'realpath' || NAMESPACE_OPS.has(name))) {
        // Made now, answered as a callback. realpath: Node's callback form walks the path with the
        // public fs.lstat, so every ancestor (/, /tmp, ...) would be decided as a read of its own;
        // the sync one makes the same walk on the bindings. A change of names: see NAMESPACE_OPS.
        let result: unknown;
        try {
          result = reflectApply(origSync, this, args);
        } catch (error) {
          if (isArgumentError(error)) throw error;
          nextTick(cb as AnyFn, fromNode(error, name, shown, write, call, respell));
          return undefined;
        } finally {
          if (write) madeNames(name);
        }
        if (e.special === 'mkdtemp') reportMade(result);
        // As Node calls back: no second argument when there is no result (unlink, rename, mkdir of nothing new).
        if (result === undefined) nextTick(cb as AnyFn, null);
        else nextTick(cb as AnyFn, null, respell ? respellResult(name, result, shown, call) : result);
        return undefined;
      }
      // A write runs on the threadpool from here on (see inFlight): settled when its callback comes.
      let settled = !write;
      if (write) inFlight++;
      const settle = () => {
        if (settled) return;
        settled = true;
        inFlight--;
        mutations++;
      };
      put(args, args.length, (err: unknown, ...rest: unknown[]) => {
        settle();
        if (!err && e.special === 'mkdtemp') reportMade(rest[0]);
        if (!err && respell && rest.length > 0) rest[0] = respellResult(name, rest[0], shown, call);
        reflectApply(cb as AnyFn, undefined, [fromNode(err, name, shown, write, call, respell), ...rest]);
      });
      try {
        return reflectApply(orig, this, args);
      } catch (error) {
        settle(); // refused before it started (a bad argument): nothing runs
        throw error;
      }
    };
  };
  const plainWrap = (name: string, e: FsEntry, orig: AnyFn, check: Check): AnyFn => {
    const paths = pathIndexes(e);
    return function guarded(this: unknown, ...raw: unknown[]) {
      const { shown, call } = snapshotArgs(raw, paths, [], snapEnv);
      check(shown, name);
      try {
        return reflectApply(orig, this, call);
      } catch (error) {
        throw respellError(error, shown, call);
      }
    };
  };
  const snapEnv = { cwd, isHandle: (x: unknown) => fds.isHandle(x) };
  // Node's JS realpath resolves a relative path itself and names the absolute one in its errors.
  const respells = (orig: AnyFn) => orig !== fs.realpathSync && orig !== (fs.realpath as unknown);

  /**
   * utimes follows a symlink at the last component: a link the sleeve's own async chain
   * places there between the decision and the call (fs.promises.symlink on the threadpool)
   * would carry the times to its target, the lakehouse say. So the call is always lutimes,
   * which never follows one: a name that is a link at call time is first replaced by its real
   * path, decided again as a write; a link that appears after that only gets its own times.
   */
  const noLateLink = (follow: AnyFn | undefined, noFollow: AnyFn | undefined): AnyFn | undefined => {
    if (typeof follow !== 'function' || typeof noFollow !== 'function') return follow;
    // An error of lutimes names the call the sleeve made: utime.
    const asUtime = (error: unknown): unknown => {
      const e = error as { syscall?: unknown; message?: unknown } | null;
      if (e !== null && typeof e === 'object' && e.syscall === 'lutime') {
        e.syscall = 'utime';
        if (typeof e.message === 'string') e.message = stringReplace(e.message, ', lutime ', ', utime ');
      }
      return error;
    };
    const chosen = function utimes(this: unknown, ...args: unknown[]) {
      // Always lutimes. A name that is a link NOW (placed there since the decision, or decided
      // through) is followed here instead: to its real path, decided again as a write.
      let link = false;
      try {
        link = typeof args[0] === 'string' && stats.lstat(args[0])?.kind === 'symlink';
      } catch {
        link = false; // gone or unreadable: lutimes answers for it
      }
      if (link) {
        let real: unknown = args[0];
        try {
          real = reflectApply(original.realpathNative, undefined, [args[0]]);
        } catch {
          // dangling: lutimes on the name changes only the link
        }
        if (real !== args[0]) {
          checkPath('write', real, 'utime');
          put(args, 0, real);
        }
      }
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb === 'function') {
        put(args, last, (err: unknown, ...rest: unknown[]) => reflectApply(cb, undefined, [err ? asUtime(err) : err, ...rest]));
      }
      let result: unknown;
      try {
        result = reflectApply(noFollow, this, args);
      } catch (error) {
        throw asUtime(error);
      }
      // The promise form: its rejection renamed the same way.
      return result instanceof PromiseCtor ? promiseThen(result, undefined, (error: unknown) => promiseRejectWith(asUtime(error))) : result;
    };
    copyPromisifyHints(follow, chosen);
    return chosen;
  };
  const checks = new Map<string, Check>();
  /** The unwrapped sync forms of NAMESPACE_OPS, for their promise forms. */
  const syncOriginals = new Map<string, AnyFn>();
  const fsFns = fs as unknown as Record<string, AnyFn>;
  for (const name of Object.keys(FS_TABLE)) {
    const e = FS_TABLE[name] as FsEntry;
    const check = makeCheck(e);
    checks.set(name, check);
    const origSync = name === 'utimes' ? noLateLink(fsFns.utimesSync, fsFns.lutimesSync) : fsFns[`${name}Sync`];
    if (typeof origSync === 'function' && NAMESPACE_OPS.has(name)) syncOriginals.set(name, origSync);
    if (typeof origSync === 'function') {
      const wrapped = syncWrap(name, e, origSync, check);
      const native = (origSync as unknown as { native?: AnyFn }).native;
      if (typeof native === 'function') define(wrapped, 'native', syncWrap(name, e, native, check));
      define(fs, `${name}Sync`, wrapped);
    }
    const orig = name === 'utimes' ? noLateLink(fsFns.utimes, fsFns.lutimes) : fsFns[name];
    if (typeof orig !== 'function') continue;
    const wrapped = e.plain ? plainWrap(name, e, orig, check) : callbackWrap(name, e, orig, check, origSync);
    copyPromisifyHints(fsFns[name] as AnyFn, wrapped);
    const native = (orig as unknown as { native?: AnyFn }).native;
    if (typeof native === 'function') define(wrapped, 'native', callbackWrap(name, e, native, check, undefined));
    define(fs, name, wrapped);
  }

  // existsSync / exists answer false for a denied path, as they do for an unreadable one.
  const readCheck = makeCheck({ paths: ['read'], descriptor: true });
  const origExistsSync = fs.existsSync as unknown as AnyFn;
  define(fs, 'existsSync', function existsSync(this: unknown, p: unknown) {
    const { shown, call } = snapshotArgs([p], [0], [], snapEnv);
    try {
      readCheck(shown, 'exists');
    } catch {
      return false;
    }
    return reflectApply(origExistsSync, this, call);
  });
  const origExists = fs.exists as unknown as AnyFn;
  if (typeof origExists === 'function') {
    const guardedExists = function exists(this: unknown, p: unknown, cb: unknown) {
      const { shown, call } = snapshotArgs([p], [0], [], snapEnv);
      try {
        readCheck(shown, 'exists');
      } catch {
        if (typeof cb === 'function') nextTick(cb as AnyFn, false);
        return undefined;
      }
      return reflectApply(origExists, this, [call[0], cb]);
    };
    // util.promisify(fs.exists) resolves with the boolean, through the guarded exists.
    defineProperty(guardedExists, promisifyCustom, {
      value: (p: unknown) => new PromiseCtor((resolve) => reflectApply(guardedExists, fs, [p, resolve])),
    });
    define(fs, 'exists', guardedExists);
  }

  // cp: a walk of guarded calls (cp-plan.ts); no wrapper is ever turned off. The walk calls
  // the wrappers installed above, whatever the sleeve has assigned to fs since.
  const guarded = {
    readdirSync: fs.readdirSync as unknown as AnyFn,
    readlinkSync: fs.readlinkSync as unknown as AnyFn,
    mkdirSync: fs.mkdirSync as unknown as AnyFn,
    chmodSync: fs.chmodSync as unknown as AnyFn,
    copyFileSync: fs.copyFileSync as unknown as AnyFn,
    symlinkSync: fs.symlinkSync as unknown as AnyFn,
    unlinkSync: fs.unlinkSync as unknown as AnyFn,
    statSync: fs.statSync as unknown as AnyFn,
    lstatSync: fs.lstatSync as unknown as AnyFn,
    utimesSync: fs.utimesSync as unknown as AnyFn,
  };
  const cpIo: CpIo = {
    kind(p, follow) {
      checkPath('read', p, 'cp');
      const st = stats.lstat(p, follow);
      return st && { kind: st.kind, mode: st.mode };
    },
    destKind(p) {
      checkPath('write', p, 'cp', true, false);
      return stats.lstat(p)?.kind;
    },
    readdir: (p) => reflectApply(guarded.readdirSync, fs, [p]) as string[],
    readlink: (p) => reflectApply(guarded.readlinkSync, fs, [p, 'utf8']) as string,
    mkdir: (p) => void reflectApply(guarded.mkdirSync, fs, [p]),
    chmod: (p, mode) => void reflectApply(guarded.chmodSync, fs, [p, mode]),
    copyFile: (src, dest, mode) => void reflectApply(guarded.copyFileSync, fs, [src, dest, mode]),
    symlink: (target, p) => void reflectApply(guarded.symlinkSync, fs, [target, p]),
    unlink: (p) => void reflectApply(guarded.unlinkSync, fs, [p]),
    copyTimes(src, dest) {
      const st = reflectApply(guarded.statSync, fs, [src]) as fsModule.Stats;
      reflectApply(guarded.utimesSync, fs, [dest, st.atime, st.mtime]);
    },
    // Node's cp reports a missing source with its lstat's (stat's) own ENOENT: the same call gives the same error.
    missing: (p, follow) => void reflectApply(follow ? guarded.statSync : guarded.lstatSync, fs, [p]),
  };
  const cpArgs = (src: unknown, dest: unknown) => {
    const { shown, call } = snapshotArgs([src, dest], [0, 1], [], snapEnv);
    // Decided as the sleeve spelled them (the messages), then walked on what was decided.
    if (typeof call[0] !== 'string' || typeof call[1] !== 'string') {
      checkPath('read', shown[0], 'cp');
      checkPath('write', shown[1], 'cp');
    }
    return call as [string, string];
  };
  // A src or dest of no path type goes to Node's own cp, whose validation refuses it before any copy (see noPath).
  const nodeCp = { sync: fs.cpSync as AnyFn, callback: fs.cp as AnyFn, promise: fs.promises.cp as AnyFn };
  define(fs, 'cpSync', function cpSync(src: unknown, dest: unknown, options?: unknown) {
    if (noPath(src) || noPath(dest)) return reflectApply(nodeCp.sync, fs, [src, dest, options]);
    const [from, to] = cpArgs(src, dest);
    runCpSync(from, to, normalizeCpOptions(options), cpIo);
  });
  define(fs, 'cp', function cp(src: unknown, dest: unknown, ...rest: unknown[]) {
    if (noPath(src) || noPath(dest)) return reflectApply(nodeCp.callback, fs, [src, dest, ...rest]);
    const cb = rest[rest.length - 1];
    if (typeof cb !== 'function') throw new TypeErrorCtor('fs.cp needs a callback');
    const options = rest.length > 1 ? rest[0] : undefined;
    let run: Promise<void>;
    try {
      const [from, to] = cpArgs(src, dest);
      run = runCpAsync(from, to, normalizeCpOptions(options), cpIo);
    } catch (error) {
      run = reflectApply(promiseReject, PromiseCtor, [error]) as Promise<void>;
    }
    promiseThen(
      run,
      () => reflectApply(cb as AnyFn, undefined, [null, undefined]), // as Node's: callback(null, result)
      (error: unknown) => reflectApply(cb as AnyFn, undefined, [error]),
    );
  });

  // Closing a descriptor forgets it first: a reused number must not inherit write rights.
  const recordsFd = opts.recordsFd ?? REPORT_FD;
  const sandboxFd = (fd: unknown) => fd === REPORT_FD || fd === recordsFd;
  for (const name of ['close', 'closeSync'] as const) {
    const orig = fs[name] as AnyFn;
    define(fs, name, function close(this: unknown, ...args: unknown[]) {
      if (sandboxFd(args[0])) {
        const fd = args[0] as number;
        reporter.deny({ op: 'write', syscall: name, path: `<fd ${fd}>`, rule: 'sandbox', reason: 'the report channel of the sandbox' });
        const error = createCapabilityDenialError({
          op: 'write',
          api: `fs.${name}(${fd})`,
          policy: engine.name,
          rule: 'sandbox',
          reason: 'the report channel of the sandbox cannot be closed',
        });
        if (name === 'close' && typeof args[1] === 'function') {
          nextTick(args[1] as AnyFn, error);
          return undefined;
        }
        throw error;
      }
      fds.forget(args[0]);
      return reflectApply(orig, this, args);
    });
  }

  // Streams: decide eagerly, so the refusal names the stream call.
  const streamCheck =
    (op: FsOp): Check =>
    (args, syscall) => {
      const options = args[1];
      const flags = typeof options === 'object' && options !== null ? (options as { flags?: unknown }).flags : undefined;
      const fd = typeof options === 'object' && options !== null ? (options as { fd?: unknown }).fd : undefined;
      if (args[0] === undefined || args[0] === null) {
        if (op === 'write' && typeof fd === 'number' && !fds.isWritable(fd)) fdDenied(fd, syscall);
        if (op === 'write' && fds.isHandle(fd) && !fds.isWritableHandle(fd)) fdDenied(fds.handleFd(fd), syscall);
        return;
      }
      if (noPath(args[0]) && (fd === undefined || fd === null)) return; // Node refuses it (see noPath)
      if (op === 'read' && flags === undefined) checkPath('read', args[0], syscall);
      else {
        const modes = flags === undefined ? { read: false, write: true } : flagModes(flags, constants);
        if (modes.read) checkPath('read', args[0], syscall);
        if (modes.write || op === 'write') checkPath('write', args[0], syscall, true);
      }
    };
  for (const [name, op] of [
    ['createReadStream', 'read'],
    ['createWriteStream', 'write'],
  ] as const) {
    const orig = fs[name] as AnyFn;
    const check = streamCheck(op);
    define(fs, name, function stream(this: unknown, ...raw: unknown[]) {
      const { shown, call } = snapshotArgs(raw, [0], [], snapEnv);
      check(shown, name);
      return reflectApply(orig, this, call);
    });
  }

  // --- FileHandle ---
  let handleProtoPatched = false;
  const patchHandlePrototype = (proto: Record<string, AnyFn>) => {
    if (handleProtoPatched) return;
    handleProtoPatched = true;
    for (const m of ['write', 'writev', 'writeFile', 'appendFile', 'truncate', 'chmod', 'chown', 'utimes', 'createWriteStream']) {
      const orig = proto[m];
      if (typeof orig !== 'function') continue;
      define(proto, m, function guardedHandleMethod(this: object, ...args: unknown[]) {
        if (!fds.isWritableHandle(this)) {
          try {
            fdDenied(fds.handleFd(this), `filehandle.${m}`);
          } catch (error) {
            if (m === 'createWriteStream') throw error;
            return Promise.reject(error);
          }
        }
        return reflectApply(orig, this, args);
      });
    }
  };
  // The prototype is guarded before any sleeve code runs: one open of a file the sandbox may read.
  const ready: Promise<void> =
    opts.handleProbe === undefined
      ? Promise.resolve()
      : (reflectApply(original.promisesOpen, fs.promises, [opts.handleProbe, 'r']) as Promise<{ close(): Promise<void> }>).then(async (handle) => {
          patchHandlePrototype(getPrototypeOf(handle));
          await handle.close();
        });

  // --- promises ---
  const promises = fs.promises as unknown as Record<string, AnyFn>;
  for (const name of Object.keys(FS_TABLE)) {
    const orig = name === 'utimes' ? noLateLink(promises.utimes, promises.lutimes) : promises[name];
    const e = FS_TABLE[name] as FsEntry;
    const check = checks.get(name) as Check;
    if (typeof orig !== 'function') continue;
    const paths = pathIndexes(e);
    const texts = e.special === 'symlink' ? [0] : [];
    const keep = e.data === undefined ? [] : [e.data];
    const respell = respells(orig);
    let wrapped: AnyFn;
    if (name === 'watch' || name === 'glob') {
      // These return an async iterator at once, not a promise: decided now, answered as Node does.
      wrapped = function watchOrGlob(this: unknown, ...raw: unknown[]) {
        const { shown, call } = snapshotArgs(raw, paths, texts, snapEnv);
        check(shown, name);
        return reflectApply(orig, this, call);
      };
    } else {
      wrapped = async function guardedPromise(this: unknown, ...raw: unknown[]) {
        const { shown, call } = snapshotArgs(raw, paths, texts, snapEnv, keep);
        check(shown, name);
        const write = writesWith(name, e, call);
        let result: unknown;
        const now = mapGet(syncOriginals, name) as AnyFn | undefined;
        if (now !== undefined) {
          // A change of names is made now, on this thread (see NAMESPACE_OPS).
          try {
            result = reflectApply(now, fs, call);
          } catch (error) {
            throw fromNode(error, name, shown, write, call, respell);
          } finally {
            if (write) madeNames(name);
          }
          if (e.special === 'mkdtemp') reportMade(result);
          return respell ? respellResult(name, result, shown, call) : result;
        }
        if (write) inFlight++; // see inFlight
        try {
          result = await reflectApply(orig, this, call);
        } catch (error) {
          throw fromNode(error, name, shown, write, call, respell);
        } finally {
          if (write) {
            inFlight--;
            mutations++;
          }
        }
        if (name === 'open') {
          const handle = result as { fd: number };
          fds.trackHandle(handle, handle.fd, write);
          patchHandlePrototype(getPrototypeOf(handle));
        } else if (e.special === 'mkdtemp') {
          reportMade(result);
        }
        return respell ? respellResult(name, result, shown, call) : result;
      };
    }
    define(promises, name, wrapped);
  }
  define(promises, 'cp', async function cp(src: unknown, dest: unknown, options?: unknown) {
    if (noPath(src) || noPath(dest)) return reflectApply(nodeCp.promise, promises, [src, dest, options]);
    const [from, to] = cpArgs(src, dest);
    await runCpAsync(from, to, normalizeCpOptions(options), cpIo);
  });

  // process.loadEnvFile reads a file past the fs wrappers: decided as a read of it.
  const loadEnvFile = (process as unknown as { loadEnvFile?: AnyFn }).loadEnvFile;
  if (typeof loadEnvFile === 'function') {
    define(process, 'loadEnvFile', function guardedLoadEnvFile(this: unknown, ...raw: unknown[]) {
      const args = raw.length === 0 || raw[0] === undefined ? ['.env'] : raw;
      const { shown, call } = snapshotArgs(args, [0], [], snapEnv);
      checkPath('read', shown[0], 'loadEnvFile');
      try {
        return reflectApply(loadEnvFile, this, call);
      } catch (error) {
        throw fromNode(error, 'loadEnvFile', shown, false);
      }
    });
  }

  return Object.freeze({ checkPath: (op: FsOp, p: unknown, syscall: string, aliasCheck?: boolean) => checkPath(op, p, syscall, aliasCheck), ready });
}
