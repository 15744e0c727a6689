/**
 * The batch's run root, chosen and checked: `--runs-dir`, else the manifest's
 * `runsDir`, else `runs` (policies/runs-dir.ts checks the spelling; the
 * manifest schema already did for its own value).
 *
 * On disk, every existing directory on the way from the workspace to the run
 * root must be a real directory: a symlink anywhere in it is refused (exit 2),
 * never followed. A symlinked run root would put sleeves' writable run dirs
 * wherever the link points (outside the workspace, into the lakehouse), and
 * the auditor, which accounts for the run root by its workspace path, would
 * not see what changed there. Refusing every symlink is simpler than judging
 * where one lands, and there is no case that needs one. The check runs when
 * the batch is planned and again once the run root exists, just before the
 * sleeves start (a prepare step may have written near it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManifestError, UsageError } from '../../policies/errors.js';
import { formatJsonPath } from '../../policies/json-source.js';
import { DEFAULT_RUNS_DIR, runsDirProblem } from '../../policies/runs-dir.js';
import type { LoadedManifest } from './manifest.js';

/** Where the run root came from, for messages. */
type Source = { flag: string } | { manifest: LoadedManifest };

function fail(source: Source, message: string): never {
  if ('flag' in source) throw new UsageError(`${source.flag} ${message}`);
  const at = ['runsDir'];
  const m = source.manifest;
  throw new ManifestError([{ file: m.file, ...m.json.locate(at), jsonPath: formatJsonPath(at), level: 'error', message }]);
}

/** Why the run root cannot be used as it is on disk, or undefined. */
export function runsDirOnDiskProblem(workspace: string, runsDir: string): string | undefined {
  let at = workspace;
  for (const segment of runsDir.split('/')) {
    at = path.join(at, segment);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(at);
    } catch {
      return undefined; // the rest is created by the runner, as directories
    }
    const rel = path.relative(workspace, at);
    if (st.isSymbolicLink()) {
      return `goes through the symlink ${rel} (-> ${fs.readlinkSync(at)}): a run root must be real directories inside the workspace; remove the link or choose another run root`;
    }
    if (!st.isDirectory()) return `goes through ${rel}, which is not a directory; remove it or choose another run root`;
  }
  return undefined;
}

/** The run root of a batch: `--runs-dir`, else the manifest's `runsDir`, else `runs`; checked (exit 2 when unusable). */
export function resolveRunsDir(workspace: string, flag: string | undefined, manifest: LoadedManifest | undefined): string {
  const fromManifest = manifest?.manifest.runsDir;
  const source: Source | undefined =
    flag !== undefined ? { flag: `--runs-dir ${JSON.stringify(flag)}` } : fromManifest !== undefined && manifest ? { manifest } : undefined;
  const runsDir = flag ?? fromManifest ?? DEFAULT_RUNS_DIR;
  const src = source ?? { flag: `the run root ${DEFAULT_RUNS_DIR}` };
  const spelling = runsDirProblem(runsDir);
  if (spelling !== undefined) fail(src, spelling);
  const onDisk = runsDirOnDiskProblem(workspace, runsDir);
  if (onDisk !== undefined)
    fail(src, source && 'manifest' in source ? `expected a run root of real directories, got ${JSON.stringify(runsDir)}, which ${onDisk}` : onDisk);
  return runsDir;
}

/**
 * Creates the run root and its parents one directory at a time, each checked
 * (lstat) before the next is made in it, so nothing is ever created through a
 * symlink (a link that appeared since the plan is refused, exit 2).
 */
export function makeRunsDir(workspace: string, runsDir: string): string {
  let at = workspace;
  for (const segment of runsDir.split('/')) {
    at = path.join(at, segment);
    try {
      fs.mkdirSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const st = fs.lstatSync(at);
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new UsageError(
        `the run root ${runsDir} ${runsDirOnDiskProblem(workspace, runsDir) ?? `goes through ${path.relative(workspace, at)}, which is not a directory`}`,
      );
    }
  }
  return at;
}

/** The run root a policy command was given (`--runs-dir`, default `runs`), its spelling checked (exit 2). */
export function runsDirFlag(value: string | undefined): string {
  if (value === undefined) return DEFAULT_RUNS_DIR;
  const problem = runsDirProblem(value);
  if (problem !== undefined) throw new UsageError(`--runs-dir ${JSON.stringify(value)} ${problem}`);
  return value;
}
