import type { LoadOptions } from '../../../policies/loader.js';
import { createNodeSys } from '../../../policies/node-sys.js';

/** Loader options for a workspace: relative policy paths resolve against the invoking directory. */
export function loadOptionsFor(workspace: string, cwd: string): LoadOptions {
  return { workspace, sys: createNodeSys(undefined, () => cwd) };
}
