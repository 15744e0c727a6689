/**
 * Finds isolated-vm for isolate mode and proves it loads under this node
 * (it is a native addon, built for one Node ABI): a batch that asks for
 * isolate mode without it stops before anything runs, with the fix.
 */
import { spawnSync } from 'node:child_process';
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

let cached: IsolatedVmStatus | undefined;

export function isolatedVmStatus(): IsolatedVmStatus {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let pkgFile: string;
  try {
    pkgFile = require.resolve('isolated-vm/package.json');
  } catch {
    cached = { problem: 'isolated-vm is not installed' };
    return cached;
  }
  const dir = path.dirname(pkgFile);
  const version = (require(pkgFile) as { version?: string }).version;
  // Load it in a child started the way sleeves are (--no-node-snapshot), not in the runner.
  const probe = spawnSync(
    process.execPath,
    ['--no-node-snapshot', '-e', 'const ivm = require(process.argv[1]); const i = new ivm.Isolate({ memoryLimit: 8 }); i.compileScriptSync("1").runSync(i.createContextSync()); i.dispose();', dir],
    { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '' } },
  );
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `exit ${probe.status}`).split('\n').find((l) => /Error|error:/.test(l)) ?? 'it did not load';
    cached = { dir, ...(version ? { version } : {}), problem: `isolated-vm ${version ?? ''} does not load under node ${process.version}: ${why.trim().slice(0, 300)}` };
    return cached;
  }
  cached = { dir, ...(version ? { version } : {}) };
  return cached;
}

/** The package directory, or a usage error (exit 2) that names who asked for isolate mode and the fix. */
export function requireIsolatedVm(askedBy: string): string {
  const status = isolatedVmStatus();
  if (status.dir && !status.problem) return status.dir;
  throw new UsageError(`${askedBy} asks for isolate mode, but ${status.problem}: ${ISOLATED_VM_FIX}; nothing was run`);
}
