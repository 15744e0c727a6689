import { EXIT } from '../../../policies/errors.js';
import { explainPolicy, policyToJson } from '../../../policies/explain.js';
import { loadPolicy } from '../../../policies/loader.js';
import type { Io } from '../../io.js';
import { runsDirFlag } from '../../batch/runs-dir.js';
import { loadOptionsFor } from './shared.js';

export async function explainCommand(opts: { ref: string; workspace: string; json: boolean; runsDir?: string }, io: Io): Promise<number> {
  const runsDir = runsDirFlag(opts.runsDir);
  const { policy } = loadPolicy(opts.ref, loadOptionsFor(opts.workspace, io.cwd));
  io.stdout(opts.json ? `${JSON.stringify(policyToJson(policy), null, 2)}\n` : explainPolicy(policy, { runsDir }));
  return EXIT.ok;
}
