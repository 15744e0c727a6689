import fs from 'node:fs';
import path from 'node:path';
import type { LoadOptions } from '../../../policies/loader.js';
import { createNodeSys } from '../../../policies/node-sys.js';

/** Loader options for a workspace: relative policy paths resolve against the invoking directory. */
export function loadOptionsFor(workspace: string, cwd: string): LoadOptions {
  return { workspace, sys: createNodeSys(undefined, () => cwd) };
}

/**
 * The files directly in `dir` whose names `keep` accepts, sorted, as paths;
 * none when `dir` does not exist (a directory with such a name is not a file).
 */
export function filesIn(dir: string, keep: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter(keep)
    .sort()
    .map((n) => path.join(dir, n))
    .filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile() === true);
}
