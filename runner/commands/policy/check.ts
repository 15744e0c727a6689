import { formatDecision } from '../../../policies/denial.js';
import { compilePolicy } from '../../../policies/engine.js';
import { EXIT } from '../../../policies/errors.js';
import { loadPolicy } from '../../../policies/loader.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import type { Io } from '../../io.js';
import { runsDirFlag } from '../../batch/runs-dir.js';
import { loadOptionsFor } from './shared.js';

export interface CheckOptions {
  ref: string;
  op: 'read' | 'write';
  target: string;
  runId: string;
  workspace: string;
  json: boolean;
  /** The run root `{runDir}` lies in (`--runs-dir`, default `runs`). */
  runsDir?: string;
}

/** Exit 0 when allowed, 3 when denied. The path is resolved as a sleeve's would be: against the workspace. */
export async function checkCommand(opts: CheckOptions, io: Io): Promise<number> {
  const runsDir = runsDirFlag(opts.runsDir);
  const { policy } = loadPolicy(opts.ref, loadOptionsFor(opts.workspace, io.cwd));
  const engine = compilePolicy(policy, { workspace: opts.workspace, runId: opts.runId, runsDir, sys: createNodeSys(undefined, () => opts.workspace) });
  const decision = engine.decide(opts.op, opts.target);
  if (opts.json) io.stdout(`${JSON.stringify({ ...decision, runId: opts.runId }, null, 2)}\n`);
  else io.stdout(`${formatDecision(decision)}\n`);
  return decision.allowed ? EXIT.ok : EXIT.denied;
}
