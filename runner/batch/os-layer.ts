/**
 * The OS layer on this machine: whether bubblewrap can build a sandbox here,
 * and if not, why and how to fix it. The probe runs the same kind of sandbox a
 * sleeve gets (the same namespaces, the same identity switch) around `true`,
 * once per batch, so "available" means "a sleeve sandbox was just built here",
 * not "a binary called bwrap exists".
 *
 * Identity: a runner that is root runs bubblewrap without a user namespace
 * (it needs none to mount) and each sleeve then drops to a uid of its own,
 * derived from its workspace and run id (sandboxUid), with no capabilities and
 * no_new_privs: a sleeve owns nothing on the machine but its run dir, cannot
 * signal or read what another sleeve wrote with private modes, and its
 * process limit (RLIMIT_NPROC) is its own. A runner that is not root gets
 * bubblewrap's user namespace, which maps the caller (not root) and disables
 * further user namespaces inside.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPolicy } from '../../policies/engine.js';
import { UsageError } from '../../policies/errors.js';
import { compileOsLayer } from '../../policies/os-layer.js';
import { type OsLayerSetting, strictestOsLayer } from '../../policies/schema.js';
import type { Sys } from '../../policies/sys.js';
import type { SleeveOsLayer } from './types.js';

/** First uid given to sleeves when the runner is root (far above login users and subordinate id ranges). */
export const SANDBOX_UID_BASE = 2_000_000_000;
/** How many uids sleeves are spread over. */
export const SANDBOX_UID_SPAN = 100_000_000;
/** RLIMIT_NPROC inside the sandbox: enough for a pipeline, a stop to fork bombs. */
export const SANDBOX_MAX_PROCESSES = 256;

/**
 * The uid (and gid) of one run when the runner is root: derived from the workspace and the run
 * id (unique per workspace), so that two sleeves never share one, whichever batch or runner they
 * belong to: RLIMIT_NPROC counts per uid, and a fork bomb in one must not starve another.
 */
export function sandboxUid(workspace: string, runId: string): number {
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (const ch of `${workspace}\0${runId}`) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return SANDBOX_UID_BASE + (h % SANDBOX_UID_SPAN);
}

export type OsLayerProbe =
  | { available: true; bwrap: string; version: string; prlimit: string; setpriv: string | undefined; root: boolean }
  | { available: false; reason: string; fix: string };

export const INSTALL_FIX = 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap; Arch: pacman -S bubblewrap)';
export const USERNS_FIX =
  'allow unprivileged user namespaces: on Debian, sysctl -w kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 and later, sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile that lets bwrap use them; in a container, give it the right to create namespaces (e.g. Docker --security-opt seccomp=unconfined --security-opt apparmor=unconfined), or run the runner as root';

/** util-linux tools the sandbox runs inside itself: they must be in /usr, which the sandbox sees. */
function systemTool(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      const real = fs.realpathSync(p);
      if (real.startsWith('/usr/')) return real;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ProbeOptions {
  /** The bubblewrap binary: $SLEEVE_SANDBOX_BWRAP, else `bwrap` on PATH. */
  bwrap?: string;
  uid?: number;
  platform?: NodeJS.Platform;
}

export function probeOsLayer(opts: ProbeOptions = {}): OsLayerProbe {
  const platform = opts.platform ?? process.platform;
  if (platform !== 'linux') {
    return {
      available: false,
      reason: `bubblewrap needs Linux namespaces; this is ${platform}`,
      fix: 'run on Linux (a VM or a Linux CI runner) for the OS layer',
    };
  }
  const bwrap = opts.bwrap ?? process.env.SLEEVE_SANDBOX_BWRAP ?? 'bwrap';
  const version = spawnSync(bwrap, ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (version.error || version.status !== 0) {
    const code = (version.error as NodeJS.ErrnoException | undefined)?.code;
    return {
      available: false,
      reason: code === 'ENOENT' ? `bubblewrap (${bwrap}) is not installed` : `${bwrap} --version failed (${code ?? `exit ${version.status}`})`,
      fix: INSTALL_FIX,
    };
  }
  const prlimit = systemTool('prlimit');
  const setpriv = systemTool('setpriv');
  const root = (opts.uid ?? process.getuid?.() ?? -1) === 0;
  if (!prlimit || (root && !setpriv)) {
    return {
      available: false,
      reason: `util-linux's ${prlimit ? 'setpriv' : 'prlimit'} was not found in /usr/bin`,
      fix: 'install util-linux (Debian: apt-get install util-linux)',
    };
  }
  const identity = root
    ? ['--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP']
    : ['--unshare-user', '--disable-userns'];
  const trial = [
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup',
    '--unshare-net',
    '--die-with-parent',
    '--new-session',
    ...identity,
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--remount-ro',
    '/',
    '--clearenv',
    '--',
    ...(root
      ? [
          setpriv as string,
          '--reuid',
          String(SANDBOX_UID_BASE),
          '--regid',
          String(SANDBOX_UID_BASE),
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
          '--no-new-privs',
          '--',
        ]
      : []),
    prlimit,
    '--nproc=16:16',
    '--',
    '/usr/bin/true',
  ];
  const r = spawnSync(bwrap, trial, { encoding: 'utf8', timeout: 10_000, env: {} });
  if (r.status !== 0) {
    const said = (r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
    const userns = /namespace|uid map|setting up uid|Operation not permitted|No permissions/i.test(said);
    return {
      available: false,
      reason: `bubblewrap could not build a sandbox here: ${said || (r.error?.message ?? `exit ${r.status}`)}`,
      fix: userns ? USERNS_FIX : 'run "bwrap --unshare-all --ro-bind / / true" to see what the kernel refuses',
    };
  }
  return { available: true, bwrap, version: version.stdout.trim(), prlimit, setpriv, root };
}

export type OsSource = readonly [OsLayerSetting | undefined, string];

/**
 * The OS layer of one step: the strictest setting of --os-layer, the step, the manifest and the
 * policy (raised, never lowered); "required" for a command step, which nothing else confines.
 * Pure but for the probe, which it calls only when the answer depends on the machine.
 */
export function decideOsLayer(sources: readonly OsSource[], ctx: { command: boolean; where: string; probe: () => OsLayerProbe }): SleeveOsLayer {
  const setting = strictestOsLayer(...sources.map(([v]) => v));
  const from = sources.find(([v]) => v === setting)?.[1] ?? 'the default';
  if (ctx.command && setting === 'off') {
    throw new UsageError(
      `${ctx.where}: a command step needs the OS layer, but it is "off" (${from}): without the kernel nothing would confine a program that is not Node; remove that setting or run the step as a Node entry`,
    );
  }
  const effective: OsLayerSetting = ctx.command ? 'required' : setting;
  const why = ctx.command && setting !== 'required' ? 'a command step (only the kernel confines a program that is not Node)' : from;
  if (effective === 'off') return { setting: effective, from: why, use: false, why: `the OS layer is off (${from})` };
  const probe = ctx.probe();
  if (probe.available) return { setting: effective, from: why, use: true };
  if (effective === 'required') throw new UsageError(`${ctx.where}: the OS layer is required (${why}) but ${probe.reason}; ${probe.fix}. Nothing was run`);
  return { setting: effective, from: why, use: false, why: `${probe.reason}; ${probe.fix}` };
}

/**
 * Compiles the step's sandbox once ahead (without its run dir, which does not exist yet), so that what
 * the OS layer cannot express (a NUL byte in the environment, an allow glob that needs too many mounts)
 * stops the batch with exit 2 before anything runs, instead of failing the sleeve later.
 */
export function checkSandboxCompiles(s: { engine: CompiledPolicy; sys: Sys; env: Record<string, string>; where: string; probe: OsLayerProbe }): void {
  if (!s.probe.available) return;
  try {
    compileOsLayer({
      engine: s.engine,
      sys: s.sys,
      command: ['/bin/true'],
      code: [],
      env: s.env,
      emptyFile: '/dev/null',
      emptyDir: '/',
      user: null,
      self: { uid: 0, gid: 0 },
      prlimit: s.probe.prlimit,
      maxProcesses: 1,
    });
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${s.where}: ${error.message}`);
    throw error;
  }
}
