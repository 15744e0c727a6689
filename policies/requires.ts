/** The "strict health" check: paths a policy requires must exist and be non-empty. */
import path from 'node:path';
import { PolicyError } from './errors.js';
import { expandVariables } from './patterns.js';
import { DEFAULT_RUNS_DIR, runDirOf } from './runs-dir.js';
import type { Sys } from './sys.js';
import type { ResolvedPolicy } from './types.js';

/** Throws a PolicyError (exit 2) naming each required path that is missing or empty. */
export function checkRequires(policy: ResolvedPolicy, opts: { workspace: string; runId: string; runsDir?: string; sys: Sys }): void {
  const problems = [];
  for (const rule of policy.requires) {
    const rel = expandVariables(rule.pattern, { runDir: runDirOf(opts.runsDir ?? DEFAULT_RUNS_DIR, opts.runId), runId: opts.runId });
    const abs = rel.startsWith('/') ? rel : path.join(opts.workspace, rel);
    let size: number | undefined;
    try {
      size = opts.sys.sizeOf(abs);
    } catch {
      size = undefined;
    }
    if (size === undefined || size === 0) {
      problems.push({
        ...rule.origin,
        level: 'error' as const,
        message: `policy "${policy.name}" requires ${rel} to ${size === undefined ? 'exist' : 'be non-empty'} (${abs}); run the ingest step first, or fix the workspace path`,
      });
    }
  }
  if (problems.length > 0) throw new PolicyError(problems);
}
