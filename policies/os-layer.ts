/**
 * Compiles a policy to a bubblewrap sandbox: the OS layer, the kernel boundary
 * under the JS guard and Node's permission model, and the only layer that
 * confines a program that is not Node (a Python sleeve) or native code.
 *
 * Pure, like node-flags.ts: the policy, the run facts and a `Sys` in, a plan
 * out (bubblewrap's options, the command it runs, and the mount table as data
 * for reports and tests). The runner spawns it; nothing here starts a process.
 *
 * The sandbox is built from nothing: an empty root, then
 * - namespaces: mount, pid, ipc, uts, cgroup, and net unless the policy's
 *   `net` is true; a new session (no controlling terminal: no TIOCSTI), the
 *   sandbox dies with the runner (bubblewrap's --die-with-parent);
 * - identity: when the runner is root, no user namespace is needed and the
 *   sleeve runs as a uid of its own (`user`), with no capability in any
 *   namespace and no_new_privs (setpriv); otherwise bubblewrap's user
 *   namespace maps the caller, which is not root, and further user namespaces
 *   are disabled;
 * - file system: the system directories the runtime needs read-only (SYSTEM),
 *   the sandbox's own code read-only (the node binary, the bootstrap, the
 *   compiled sleeve), each `fs.read.allow` area read-only, each
 *   `fs.write.allow` area read-write, every existing path an `fs.read.deny`
 *   rule names masked by an empty read-only file or directory, a fresh /proc,
 *   a minimal /dev; the root itself read-only; nothing else exists;
 * - environment: exactly the one given (--clearenv, then --setenv each).
 *
 * Deny beats allow here too, except where mounts cannot express it: a deny
 * rule that may match a path in a writable area (the sleeve could create or
 * move such a path after start) is listed in `unenforced`, and so is a glob
 * whose matches could not all be found within the search bound. `policy lint`
 * warns about the first kind statically (`unenforceableDenies`).
 */
import path from 'node:path';
import picomatch from 'picomatch';
import type { CompiledPolicy } from './engine.js';
import { PolicyError, UsageError } from './errors.js';
import { expandVariables, isGlob, isWithin, patternBase } from './patterns.js';
import { DEFAULT_RUNS_DIR, runDirOf } from './runs-dir.js';
import type { FileKind, Sys } from './sys.js';
import type { FsOp, ResolvedPolicy, RuleOrigin } from './types.js';

/** System paths bound read-only when they exist: what the dynamic loader, libc, Node and Python need. */
export const SYSTEM_PATHS = Object.freeze([
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/alternatives',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
]);
/** Added only when the policy opens the network: name resolution and certificates. */
export const NETWORK_SYSTEM_PATHS = Object.freeze(['/etc/resolv.conf', '/etc/hosts', '/etc/host.conf', '/etc/gai.conf', '/etc/ssl', '/etc/ca-certificates']);

/** Size of the sandbox's own /dev/shm. */
export const SHM_BYTES = 64 * 1024 * 1024;

export type MountKind = 'ro' | 'rw' | 'mask' | 'symlink' | 'dir' | 'proc' | 'dev';

export interface Mount {
  readonly kind: MountKind;
  /** Where it appears inside the sandbox (the same absolute path as on the host). */
  readonly path: string;
  /** Host source for binds and masks; the link target for symlinks. */
  readonly source?: string;
  /** Why it is there: "system", "code", a rule (`fs.read.allow "data/lakehouse/**"`), ... */
  readonly why: string;
}

export interface UnenforcedRule {
  readonly list: 'fs.read.deny' | 'fs.write.deny';
  readonly pattern: string;
  readonly origin: RuleOrigin;
  readonly why: string;
}

export interface OsLayerFacts {
  /** The sleeve's compiled policy (workspace, run id and run dir come with it). */
  engine: CompiledPolicy;
  sys: Sys;
  /** What runs inside: the program (absolute) and its arguments. */
  command: readonly string[];
  /** Files and directories the sandbox itself must read: the node binary, the bootstrap, the compiled sleeve, a command's code. */
  code: readonly string[];
  /** Writable beyond the policy (the V8 coverage directory of the sandbox's own tests). */
  extraWrite?: readonly string[];
  /** The sleeve's whole environment. */
  env: Readonly<Record<string, string>>;
  /** An empty file and an empty directory (host paths) that masks are bound from. */
  emptyFile: string;
  emptyDir: string;
  /**
   * Host files bound at /etc/passwd and /etc/group instead of the host's: the sandbox's own
   * user database, naming the sleeve's uid (so that getpwuid and os.homedir() answer) and no one else.
   */
  identity?: { passwd: string; group: string };
  /** The runner is root: the sleeve runs as this uid/gid (setpriv). Otherwise null: bubblewrap's user namespace maps the caller. */
  user: { uid: number; gid: number } | null;
  /** The caller's own uid/gid (used inside the user namespace when `user` is null). */
  self: { uid: number; gid: number };
  /** Absolute paths of setpriv (needed when `user` is set) and prlimit on the host; both must lie in a system path. */
  setpriv?: string;
  prlimit: string;
  /** RLIMIT_NPROC inside the sandbox. */
  maxProcesses: number;
  /** Most entries a glob deny may search, most binds an allow may need (fail closed beyond). */
  maxSearch?: number;
  maxBinds?: number;
}

export interface OsLayerPlan {
  /** bubblewrap options (passed on its stdin with --args 0: environment values never show in `ps`). */
  readonly options: readonly string[];
  /** What follows `--` on bubblewrap's command line. */
  readonly command: readonly string[];
  readonly mounts: readonly Mount[];
  readonly unenforced: readonly UnenforcedRule[];
  readonly network: boolean;
}

/** The shell step inside the sandbox: bubblewrap always sets PWD, which is not the sleeve's: drop it (and what a shell adds), then run the program. */
export const SANDBOX_SHELL = 'unset PWD OLDPWD SHLVL _; exec "$0" "$@"';

/** The sandbox's /etc/passwd and /etc/group: root, the sleeve's own user (home /nonexistent, as for system users), nobody. */
export function identityFiles(uid: number, gid: number): { passwd: string; group: string } {
  const passwd = ['root:x:0:0:root:/root:/usr/sbin/nologin'];
  const group = ['root:x:0:'];
  if (uid !== 0) passwd.push(`sleeve:x:${uid}:${gid}:sleeve-sandbox sleeve:/nonexistent:/usr/sbin/nologin`);
  if (gid !== 0) group.push(`sleeve:x:${gid}:`);
  if (uid !== 65534) passwd.push('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin');
  if (gid !== 65534) group.push('nogroup:x:65534:');
  return { passwd: `${passwd.join('\n')}\n`, group: `${group.join('\n')}\n` };
}

const sampleVars = (runsDir: string) => ({ runDir: runDirOf(runsDir, '__run__'), runId: '__run__', batchRunDirs: runDirOf(runsDir, '__batch__') });

/** Might deny pattern `a` match a path at or below writable pattern `b`? Conservative: true when unsure. */
export function mayReachInto(a: string, b: string): boolean {
  const ba = patternBase(a);
  const bb = patternBase(b);
  if (!isWithin(ba, bb) && !isWithin(bb, ba)) return false;
  if (!isGlob(a) && !isGlob(b)) return a === b || isWithin(a, b) || isWithin(b, a);
  if (!isGlob(a)) return picomatch(b, { dot: true })(a) || isWithin(bb, a);
  if (!isGlob(b)) return picomatch(a, { dot: true })(b) || isWithin(ba, b);
  return true;
}

/**
 * Deny rules the kernel cannot hold, known from the policy alone: a deny that
 * may match a path inside a writable area. Mounts are fixed when the sandbox
 * starts; in a writable directory the sleeve can create, rename or replace
 * paths after that, so only the JS guard (Node sleeves) refuses them.
 */
export function unenforceableDenies(policy: ResolvedPolicy, runsDir: string = DEFAULT_RUNS_DIR): UnenforcedRule[] {
  const sample = sampleVars(runsDir);
  const writable = policy.fs.write.allow.map((r) => expandVariables(r.pattern, sample));
  const out: UnenforcedRule[] = [];
  for (const op of ['read', 'write'] as FsOp[]) {
    for (const rule of policy.fs[op].deny) {
      const d = expandVariables(rule.pattern, sample);
      const w = writable.find((x) => mayReachInto(d, x));
      if (w === undefined) continue;
      out.push({
        list: `fs.${op}.deny`,
        pattern: rule.pattern,
        origin: rule.origin,
        why: `it may match paths inside the writable area ${JSON.stringify(policy.fs.write.allow[writable.indexOf(w)]?.pattern)}, where the sleeve can create or move paths after the sandbox is built; only the JS guard refuses them (Node sleeves)`,
      });
    }
  }
  return out;
}

/**
 * Visits the entries below `root`, depth first, at most `limit` of them (and 64 levels): `visit`
 * answers whether to go on below a directory. False when the bound cut the walk short.
 */
function walkBelow(sys: Sys, root: string, limit: number, visit: (p: string) => boolean): boolean {
  let seen = 0;
  const walk = (dir: string, level: number): boolean => {
    let entries: Array<{ name: string; kind: FileKind }>;
    try {
      entries = sys.readdir(dir);
    } catch {
      return true;
    }
    for (const entry of entries) {
      if (++seen > limit || level > 64) return false;
      const p = dir === '/' ? `/${entry.name}` : `${dir}/${entry.name}`;
      if (visit(p) && entry.kind === 'dir' && !walk(p, level + 1)) return false;
    }
    return true;
  };
  return walk(root, 0);
}

const depth = (p: string) => (p === '/' ? 0 : p.split('/').length - 1);
const byDepth = (a: { path: string }, b: { path: string }) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function withinAny(p: string, areas: Iterable<string>): string | undefined {
  for (const a of areas) if (isWithin(p, a)) return a;
  return undefined;
}

export function compileOsLayer(facts: OsLayerFacts): OsLayerPlan {
  const { engine, sys } = facts;
  const policy = engine.policy;
  const maxSearch = facts.maxSearch ?? 50_000;
  const maxBinds = facts.maxBinds ?? 2_000;
  const vars = { runDir: path.relative(engine.workspace, engine.runDir).split(path.sep).join('/'), runId: engine.runId };
  const toAbs = (p: string) => (p.startsWith('/') ? p : path.join(engine.workspace, p));
  const realOf = (p: string) => {
    try {
      return sys.realpath(p);
    } catch {
      return undefined;
    }
  };

  const system = new Map<string, Mount>();
  const own: Record<string, string | undefined> = { '/etc/passwd': facts.identity?.passwd, '/etc/group': facts.identity?.group };
  for (const p of policy.net ? [...SYSTEM_PATHS, ...NETWORK_SYSTEM_PATHS] : SYSTEM_PATHS) {
    const replacement = own[p];
    if (replacement !== undefined) {
      system.set(p, { kind: 'ro', path: p, source: replacement, why: "the sandbox's own user database" });
      continue;
    }
    const kind = sys.lstat(p);
    if (kind === undefined) continue;
    const real = realOf(p);
    if (real === undefined) continue;
    if (kind === 'symlink') {
      // /bin -> usr/bin: the same link inside when it lands in a bound system path, else its target bound here.
      if (withinAny(real, system.keys())) system.set(p, { kind: 'symlink', path: p, source: sys.readlink(p), why: 'system' });
      else system.set(p, { kind: 'ro', path: p, source: real, why: 'system' });
    } else system.set(p, { kind: 'ro', path: p, source: real, why: 'system' });
  }
  const systemAreas = [...system.values()].filter((m) => m.kind === 'ro').map((m) => m.path);

  // The policy's areas. A rule `base` or `base/**` binds its base whole; any other glob binds
  // each entry below its base that the engine allows (a directory whole when it is allowed).
  const binds = new Map<string, Mount>();
  let bindCount = 0;
  const addBind = (kind: 'ro' | 'rw', p: string, source: string, why: string, origin: RuleOrigin | undefined) => {
    const prev = binds.get(p);
    if (prev && (prev.kind === 'rw' || kind === 'ro')) return;
    binds.set(p, { kind, path: p, source, why });
    if (++bindCount > maxBinds) {
      throw new PolicyError([
        {
          ...(origin ?? { file: policy.chain[0]?.file ?? '', line: 1, column: 1, jsonPath: '' }),
          level: 'error',
          message: `the OS layer needs more than ${maxBinds} mounts for ${why}; use "dir/**" patterns so that a directory is bound whole`,
        },
      ]);
    }
  };
  for (const op of ['read', 'write'] as FsOp[]) {
    const kindOf = op === 'write' ? 'rw' : 'ro';
    for (const rule of policy.fs[op].allow) {
      const why = `fs.${op}.allow ${JSON.stringify(rule.pattern)}`;
      const expanded = expandVariables(rule.pattern, vars);
      const baseRel = patternBase(expanded);
      const base = toAbs(baseRel);
      const kind = sys.lstat(base);
      if (kind === undefined) continue; // nothing there to bind: the kernel is stricter than the policy here
      const decision = engine.decide(op, base);
      const literal = expanded === baseRel;
      if (decision.allowed && decision.resolved !== undefined && (literal ? kind !== 'dir' : expanded === `${baseRel}/**`)) {
        addBind(kindOf, base, decision.resolved, why, rule.origin);
        continue;
      }
      // A literal directory allows that directory, not what is in it: nothing to bind.
      if (kind !== 'dir' || literal) continue;
      // Entries the engine allows are bound (a directory whole); past the search bound the kernel is narrower, never wider.
      walkBelow(sys, base, maxSearch, (p) => {
        const d = engine.decide(op, p);
        if (!d.allowed || d.resolved === undefined) return true;
        addBind(kindOf, p, d.resolved, why, rule.origin);
        return false;
      });
    }
  }
  for (const p of facts.extraWrite ?? []) {
    const real = realOf(p);
    if (real !== undefined) addBind('rw', p, real, 'the V8 coverage directory of the sandbox tests', undefined);
  }

  // The sandbox's own code, read-only, where a system path does not already hold it.
  const code = new Map<string, Mount>();
  for (const p of facts.code) {
    const real = realOf(p);
    if (real === undefined) throw new Error(`sandbox code ${p} is missing`);
    if (withinAny(real, systemAreas) || code.has(real)) continue;
    code.set(real, { kind: 'ro', path: real, source: real, why: 'code' });
    if (real !== p && !withinAny(p, systemAreas)) code.set(p, { kind: 'ro', path: p, source: real, why: 'code' });
  }

  // Masks: every existing path a read-deny rule names, inside anything bound.
  const visibleAreas = [...systemAreas, ...binds.keys(), ...code.keys()];
  const unenforced = unenforceableDenies(policy, engine.runsDir);
  const masks = new Map<string, Mount>();
  for (const rule of policy.fs.read.deny) {
    const why = `fs.read.deny ${JSON.stringify(rule.pattern)}`;
    const expanded = expandVariables(rule.pattern, vars);
    const base = toAbs(patternBase(expanded));
    const mask = (p: string) => {
      const kind = sys.lstat(p);
      if (kind === undefined) return;
      const real = kind === 'symlink' ? realOf(p) : p;
      if (real === undefined || !withinAny(real, visibleAreas) || masks.has(real)) return;
      const realKind = kind === 'symlink' ? sys.lstat(real) : kind;
      masks.set(real, { kind: 'mask', path: real, source: realKind === 'dir' ? facts.emptyDir : facts.emptyFile, why });
    };
    if (!isGlob(expanded)) {
      mask(base);
      continue;
    }
    // A glob: search where it can match and the sandbox can see.
    const roots = new Set<string>();
    for (const area of visibleAreas) {
      if (isWithin(base, area)) roots.add(base);
      else if (isWithin(area, base)) roots.add(area);
    }
    let complete = true;
    const visit = (p: string) => {
      if (engine.decide('read', p).rule?.list !== 'fs.read.deny') return true;
      mask(p);
      return false;
    };
    for (const root of roots) {
      if (visit(root) && sys.lstat(root) === 'dir') complete = walkBelow(sys, root, maxSearch, visit) && complete;
    }
    if (!complete && !unenforced.some((u) => u.list === 'fs.read.deny' && u.pattern === rule.pattern)) {
      unenforced.push({
        list: 'fs.read.deny',
        pattern: rule.pattern,
        origin: rule.origin,
        why: `more than ${maxSearch} entries to search for its matches: the kernel masks only what was found; narrow the pattern`,
      });
    }
  }

  // Directories bubblewrap must create, world-traversable (it would make them 0700, closed to a sleeve that is not root).
  const mountsInOrder = [...system.values(), ...[...code.values(), ...binds.values()].sort(byDepth), ...[...masks.values()].sort(byDepth)];
  const dirs = new Map<string, Mount>();
  const addParents = (p: string) => {
    const parts: string[] = [];
    for (let d = path.dirname(p); d !== '/' && !dirs.has(d); d = path.dirname(d)) parts.unshift(d);
    for (const d of parts) if (!withinAny(d, system.keys())) dirs.set(d, { kind: 'dir', path: d, why: 'parent of a mount' });
  };
  for (const m of mountsInOrder) if (m.kind !== 'symlink') addParents(m.path);
  addParents(`${engine.workspace}/.`);
  dirs.set(engine.workspace, { kind: 'dir', path: engine.workspace, why: 'the working directory' });
  addParents('/tmp/.');
  dirs.set('/tmp', { kind: 'dir', path: '/tmp', why: 'an empty, read-only /tmp (TMPDIR points into the run dir)' });

  const mounts: Mount[] = [
    ...[...dirs.values()].sort(byDepth),
    ...system.values(),
    { kind: 'proc', path: '/proc', why: 'a fresh /proc of the sandbox pid namespace' },
    { kind: 'dev', path: '/dev', why: 'a minimal, read-only /dev (null, zero, full, random, urandom, tty, pts) and a /dev/shm of its own, 64 MiB' },
    ...[...code.values(), ...binds.values()].sort(byDepth),
    ...[...masks.values()].sort(byDepth),
  ];

  const options: string[] = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup'];
  if (!policy.net) options.push('--unshare-net');
  options.push('--die-with-parent', '--new-session');
  if (facts.user) {
    // Root: no user namespace; setpriv (the first program inside) drops to the sleeve's own uid with
    // no capability and no_new_privs, so it keeps only what it needs to do that.
    options.push('--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
  } else {
    options.push('--unshare-user', '--disable-userns', '--uid', String(facts.self.uid), '--gid', String(facts.self.gid));
  }
  for (const m of mounts) {
    if (m.kind === 'dir') options.push('--perms', '0755', '--dir', m.path);
    else if (m.kind === 'symlink') options.push('--symlink', m.source as string, m.path);
    else if (m.kind === 'proc') options.push('--proc', m.path);
    // Read-only, but for a /dev/shm of its own bounded at SHM_BYTES (POSIX semaphores and shared memory, e.g.
    // Python's multiprocessing): an unbounded one would be memory outside every limit of the sleeve's.
    else if (m.kind === 'dev')
      options.push('--dev', m.path, '--remount-ro', m.path, '--perms', '1777', '--size', String(SHM_BYTES), '--tmpfs', `${m.path}/shm`);
    else if (m.kind === 'rw') options.push('--bind', m.source as string, m.path);
    else options.push('--ro-bind', m.source as string, m.path);
  }
  options.push('--remount-ro', '/', '--chdir', engine.workspace, '--clearenv');
  for (const [k, v] of Object.entries(facts.env)) options.push('--setenv', k, v);
  // The options travel NUL-separated (--args): a NUL inside one would smuggle in options of its own.
  const smuggled = options.find((o) => o.includes('\0'));
  if (smuggled !== undefined)
    throw new UsageError(`a NUL byte in ${JSON.stringify(smuggled.slice(0, 60))} cannot be passed into the OS layer (nor to any program); remove it`);

  const n = String(facts.maxProcesses);
  const command: string[] = [];
  if (facts.user) {
    if (!facts.setpriv) throw new Error('setpriv is needed to run a sleeve as its own uid');
    const u = facts.user;
    // uid 0 (a root-owned workspace's ingest) would get its capabilities back at the next execve:
    // an empty bounding set and locked "noroot" securebits keep them away.
    const noroot = u.uid === 0 ? ['--securebits', '+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked'] : [];
    command.push(
      facts.setpriv,
      '--reuid',
      String(u.uid),
      '--regid',
      String(u.gid),
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      ...noroot,
      '--no-new-privs',
      '--',
    );
  }
  command.push(facts.prlimit, `--nproc=${n}:${n}`, '--core=0:0', '--', '/bin/sh', '-c', SANDBOX_SHELL, ...facts.command);
  return Object.freeze({
    options: Object.freeze(options),
    command: Object.freeze(command),
    mounts: Object.freeze(mounts),
    unenforced: Object.freeze(unenforced),
    network: policy.net,
  });
}
