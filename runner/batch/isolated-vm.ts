/**
 * Finds isolated-vm for isolate mode and proves it loads under this node
 * (it is a native addon, built for one Node ABI): a batch that asks for
 * isolate mode without it stops before anything runs, with the fix.
 *
 * No one isolated-vm line serves every supported Node line (5.x builds on 20
 * and 22 but not against Node 24's V8; 6.x needs Node >= 22), so package.json
 * carries one optional dependency per line under its own name (npm aliases,
 * ISOLATED_VM_CANDIDATES). npm installs each where its `engines` admit the
 * node that runs `npm ci` and drops the ones that fail to build, so which are
 * present depends on that node. They are tried in the order listed, and the
 * first that loads under the running node wins; each one skipped keeps its
 * reason, which `doctor` shows.
 *
 * The proof is a child started the way sleeves are (`--no-node-snapshot`),
 * never the runner itself. `run` starts it asynchronously, so it overlaps the
 * compilation of the entries, and stops at the first that loads; `doctor`
 * waits for it and probes every candidate.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../../policies/errors.js';

export const ISOLATED_VM_FIX =
  'run "npm ci" under the node that runs sleeve-sandbox, also after switching Node versions: it installs the isolated-vm line that supports that node (prebuilt for Node 22 and 24; built from source with node-gyp, python3, make and g++, for Node 20)';

/**
 * The isolated-vm packages isolate mode can use, in the order they are tried
 * (the newest line first): each is an optional dependency of its own name in
 * package.json (an npm alias of `isolated-vm`), pinned exactly.
 */
export const ISOLATED_VM_CANDIDATES: readonly { name: string; serves: string }[] = [
  { name: 'isolated-vm-6', serves: 'Node 22 and 24 (prebuilt)' },
  { name: 'isolated-vm', serves: 'Node 20 and 22 (built from source)' },
];

/** One candidate and what became of it. */
export interface IsolatedVmCandidate {
  /** The dependency name (the npm alias). */
  name: string;
  version?: string;
  dir?: string;
  /** Set when it was probed: whether it loads. */
  loads?: boolean;
  /** When it loads: the directories it reads while loading (loadReads). */
  reads?: string[];
  /** When it loads: the environment that makes it load the binary the probe loaded (loadEnv). */
  loadEnv?: Record<string, string>;
  /** Why it is not used. */
  problem?: string;
}

export interface IsolatedVmStatus {
  /** The chosen package directory, when one loads. */
  dir?: string;
  /** The chosen candidate's dependency name. */
  name?: string;
  version?: string;
  /** The chosen package and the packages it requires at load time: what a sleeve process must be able to read. */
  reads?: string[];
  /** The chosen package's loadEnv. */
  loadEnv?: Record<string, string>;
  /** Why isolate mode cannot be used. */
  problem?: string;
  /** Every candidate, in order, with what became of it. */
  candidates?: IsolatedVmCandidate[];
}

/** What `requireIsolatedVm` hands the runner: the package the bootstrap loads, and every directory it reads while loading. */
export interface IsolatedVm {
  dir: string;
  reads: string[];
  loadEnv: Record<string, string>;
}

// Loads the package, runs a script in an isolate, and prints the files it loaded (require.cache; `-e` loads none of its own).
const PROBE =
  'const ivm = require(process.argv[1]); const i = new ivm.Isolate({ memoryLimit: 8 }); i.compileScriptSync("1").runSync(i.createContextSync()); i.dispose(); process.stdout.write(JSON.stringify(Object.keys(require.cache)));';

/** The node_modules root this runner resolves its dependencies from (the package root holding dist/). */
const HERE = import.meta.url;

function locate(name: string, from: string): IsolatedVmCandidate {
  const require = createRequire(from);
  let pkgFile: string;
  try {
    pkgFile = require.resolve(`${name}/package.json`);
  } catch {
    return { name, problem: 'not installed (npm skips it where its engines exclude the node that ran npm ci, or drops it when it fails to build)' };
  }
  const version = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { version?: string }).version;
  return { name, dir: path.dirname(pkgFile), ...(version ? { version } : {}) };
}

/**
 * What a sleeve process must be able to read to load the package: its
 * directory, and the package directory of every other module the probe saw
 * loaded (isolated-vm 6 loads its binary through node-gyp-build). Only what is
 * loaded, not what package.json lists (5.x lists prebuild-install, used only
 * by its install script).
 */
export function loadReads(dir: string, loaded: readonly string[]): string[] {
  const out = [dir];
  for (const file of loaded) {
    if (!path.isAbsolute(file) || file === dir || file.startsWith(`${dir}/`)) continue;
    const parts = file.split('/');
    const at = parts.lastIndexOf('node_modules');
    if (at < 0 || at + 1 >= parts.length) continue;
    const pkg = parts.slice(0, at + ((parts[at + 1] ?? '').startsWith('@') ? 3 : 2)).join('/');
    if (!out.includes(pkg)) out.push(pkg);
  }
  return out;
}

/**
 * The environment under which the package loads the binary the probe saw
 * loaded. isolated-vm 6 picks its prebuilt binary with node-gyp-build, which
 * tells musl from glibc by `fs.existsSync('/etc/alpine-release')` unless
 * LIBC says: a read outside a sleeve's grants, which Node 24's permission
 * model refuses with a throw (20's answered false). The host sets it while it
 * loads isolated-vm.
 */
export function loadEnv(loaded: readonly string[]): Record<string, string> {
  for (const file of loaded) {
    const libc = /\.(glibc|musl)\.node$/.exec(file)?.[1];
    if (libc) return { LIBC: libc };
  }
  return {};
}

function verdict(c: IsolatedVmCandidate, status: number | null, stdout: string, stderr: string, error: string | undefined): IsolatedVmCandidate {
  if (status === 0 && c.dir) {
    let loaded: string[] = [];
    try {
      loaded = JSON.parse(stdout) as string[];
    } catch {
      return { ...c, loads: false, problem: `its load probe under node ${process.version} printed no module list` };
    }
    return { ...c, loads: true, reads: loadReads(c.dir, loaded), loadEnv: loadEnv(loaded) };
  }
  const why = (stderr || error || `exit ${status}`).split('\n').find((l) => /Error|error:/.test(l)) ?? 'it did not load';
  return { ...c, loads: false, problem: `does not load under node ${process.version}: ${why.trim().slice(0, 300)}` };
}

const label = (c: IsolatedVmCandidate) =>
  c.name === 'isolated-vm' ? `isolated-vm${c.version ? ` ${c.version}` : ''}` : `${c.name}${c.version ? ` (isolated-vm ${c.version})` : ''}`;

/** The overall status from the candidates tried so far (in order). */
function summarize(candidates: IsolatedVmCandidate[]): IsolatedVmStatus {
  const chosen = candidates.find((c) => c.loads === true && c.dir !== undefined);
  if (chosen?.dir) {
    return {
      dir: chosen.dir,
      name: chosen.name,
      ...(chosen.version ? { version: chosen.version } : {}),
      reads: chosen.reads ?? [chosen.dir],
      loadEnv: chosen.loadEnv ?? {},
      candidates,
    };
  }
  const installed = candidates.filter((c) => c.dir !== undefined);
  const problem =
    installed.length === 0
      ? `isolated-vm is not installed (none of ${candidates.map((c) => c.name).join(', ')})`
      : `no installed isolated-vm loads under node ${process.version}: ${candidates.map((c) => `${label(c)}: ${c.problem ?? 'not tried'}`).join('; ')}`;
  return { problem, candidates };
}

const probeArgs = (dir: string) => ['--no-node-snapshot', '-e', PROBE, dir];
const probeEnv = () => ({ PATH: process.env.PATH ?? '' });

/**
 * Blocking, and every candidate probed: for `doctor`. `from` is the file the
 * candidates are resolved from (this module; tests point it at a project of
 * their own).
 */
export function isolatedVmStatus(from: string = HERE): IsolatedVmStatus {
  const candidates = ISOLATED_VM_CANDIDATES.map(({ name }) => {
    const c = locate(name, from);
    if (!c.dir) return c;
    const r = spawnSync(process.execPath, probeArgs(c.dir), { encoding: 'utf8', timeout: 20_000, env: probeEnv() });
    return verdict(c, r.status, r.stdout ?? '', r.stderr ?? '', r.error?.message);
  });
  return summarize(candidates);
}

function probeOne(c: IsolatedVmCandidate): Promise<IsolatedVmCandidate> {
  const dir = c.dir;
  if (!dir) return Promise.resolve(c);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, probeArgs(dir), { env: probeEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-8192);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(verdict(c, null, '', '', error.message));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(verdict(c, code, stdout, stderr, undefined));
    });
  });
}

/** Non-blocking, and stops at the first candidate that loads: for `run`, started before the entries compile and awaited after. */
export async function probeIsolatedVm(from: string = HERE): Promise<IsolatedVmStatus> {
  const candidates: IsolatedVmCandidate[] = [];
  for (const { name } of ISOLATED_VM_CANDIDATES) {
    const c = await probeOne(locate(name, from));
    candidates.push(c);
    if (c.loads) break;
  }
  return summarize(candidates);
}

/** The chosen package, or a usage error (exit 2) that names who asked for isolate mode, why each candidate is not used, and the fix. */
export function requireIsolatedVm(status: IsolatedVmStatus, askedBy: string): IsolatedVm {
  if (status.dir && !status.problem) return { dir: status.dir, reads: status.reads ?? [status.dir], loadEnv: status.loadEnv ?? {} };
  throw new UsageError(`${askedBy} asks for isolate mode, but ${status.problem}: ${ISOLATED_VM_FIX}; nothing was run`);
}

/** For `doctor`: the chosen candidate and why each other one is not used. */
export function describeIsolatedVm(status: IsolatedVmStatus): string {
  const others = (status.candidates ?? []).filter((c) => c.name !== status.name).map((c) => `${label(c)}: ${c.problem ?? 'loads too (not needed)'}`);
  if (status.dir && !status.problem) {
    const chosen = (status.candidates ?? []).find((c) => c.name === status.name) ?? { name: status.name ?? 'isolated-vm', version: status.version };
    return `available, ${label(chosen)}${others.length > 0 ? `; not used: ${others.join('; ')}` : ''}`;
  }
  return `not available: ${status.problem}; ${ISOLATED_VM_FIX}`;
}
