/**
 * Where a report points: files named relative to one root, the repository
 * root as CI sees it (`GITHUB_WORKSPACE` when set, else the current
 * directory), because that is what GitHub code scanning and workflow
 * annotations resolve paths against. A file outside the root has no relative
 * name: callers say so (an absolute URI in SARIF, no `file=` in an
 * annotation) rather than invent one. Pure.
 */
import path from 'node:path';

/** The root report paths are relative to: `GITHUB_WORKSPACE` when set and non-empty, else `cwd`. */
export function reportRoot(env: NodeJS.ProcessEnv, cwd: string): string {
  const ws = env.GITHUB_WORKSPACE;
  return path.resolve(cwd, ws !== undefined && ws !== '' ? ws : '.');
}

/** `file` (absolute, or relative to `root`) as a `/`-separated path under `root`; undefined when it lies outside. */
export function relativeToRoot(root: string, file: string): string | undefined {
  const rel = path.relative(root, path.resolve(root, file));
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** A place in a file: 1-based line and column when known. */
export interface Place {
  /** Absolute path. */
  file: string;
  line?: number;
  column?: number;
}
