/**
 * Finds isolated-vm for isolate mode and proves it loads under this node
 * (it is a native addon, built for one Node ABI): a batch that asks for
 * isolate mode without it stops before anything runs, with the fix.
 *
 * The proof is a child started the way sleeves are (`--no-node-snapshot`),
 * never the runner itself. `run` starts it asynchronously, so it overlaps the
 * compilation of the entries; `doctor` waits for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../../policies/errors.js';

export const ISOLATED_VM_FIX = 'install it with "npm install" (it builds from source with node-gyp: python3, make and g++), or "npm rebuild isolated-vm" after changing Node versions';

export interface IsolatedVmStatus {
  /** The package directory, when found and loadable. */
  dir?: string;
  version?: string;
  /** Why it cannot be used. */
  problem?: string;
}

const PROBE = 'const ivm = require(process.argv[1]); const i = new ivm.Isolate({ memoryLimit: 8 }); i.compileScriptSync("1").runSync(i.createContextSync()); i.dispose();';

function locate(): IsolatedVmStatus {
  const require = createRequire(import.meta.url);
  let pkgFile: string;
  try {
    pkgFile = require.resolve('isolated-vm/package.json');
  } catch {
    return { problem: 'isolated-vm is not installed' };
  }
  const version = (require(pkgFile) as { version?: string }).version;
  return { dir: path.dirname(pkgFile), ...(version ? { version } : {}) };
}

function verdict(found: IsolatedVmStatus, status: number | null, stderr: string, error: string | undefined): IsolatedVmStatus {
  if (status === 0) return found;
  const why = (stderr || error || `exit ${status}`).split('\n').find((l) => /Error|error:/.test(l)) ?? 'it did not load';
  return { ...found, problem: `isolated-vm ${found.version ?? ''} does not load under node ${process.version}: ${why.trim().slice(0, 300)}` };
}

const probeArgs = (dir: string) => ['--no-node-snapshot', '-e', PROBE, dir];
const probeEnv = () => ({ PATH: process.env.PATH ?? '' });

/** Blocking: for `doctor`. */
export function isolatedVmStatus(): IsolatedVmStatus {
  const found = locate();
  if (!found.dir) return found;
  const r = spawnSync(process.execPath, probeArgs(found.dir), { encoding: 'utf8', timeout: 20_000, env: probeEnv() });
  return verdict(found, r.status, r.stderr ?? '', r.error?.message);
}

/** Non-blocking: for `run`, started before the entries compile and awaited after. */
export function probeIsolatedVm(): Promise<IsolatedVmStatus> {
  const found = locate();
  const dir = found.dir;
  if (!dir) return Promise.resolve(found);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, probeArgs(dir), { env: probeEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-8192);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(verdict(found, null, '', error.message));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(verdict(found, code, stderr, undefined));
    });
  });
}

/** The package directory, or a usage error (exit 2) that names who asked for isolate mode and the fix. */
export function requireIsolatedVm(status: IsolatedVmStatus, askedBy: string): string {
  if (status.dir && !status.problem) return status.dir;
  throw new UsageError(`${askedBy} asks for isolate mode, but ${status.problem}: ${ISOLATED_VM_FIX}; nothing was run`);
}
