/**
 * The environment of a sleeve process, built only from the policy: the
 * variables it passes through, the ones it sets, the sleeve's own variables,
 * and the manifest's extras (which may not override what the policy sets).
 * Nothing else reaches the sleeve.
 */
import path from 'node:path';
import { UsageError } from '../../policies/errors.js';
import type { ResolvedPolicy } from '../../policies/types.js';

/** Variables that change how node itself starts: never passed, never set. */
export const FORBIDDEN_ENV = Object.freeze(['NODE_OPTIONS', 'NODE_PATH', 'NODE_REPL_EXTERNAL_MODULE', 'NODE_EXTRA_CA_CERTS', 'UV_THREADPOOL_SIZE']);
export const SLEEVE_VARS = Object.freeze(['SLEEVE_RUN_ID', 'SLEEVE_RUN_DIR', 'SLEEVE_NAME', 'SLEEVE_WORKSPACE', 'TV_RUN_ID', 'TMPDIR', 'SLEEVE_SANDBOX_CONFIG']);

export interface SleeveIdentity {
  name: string;
  runId: string;
  runDir: string;
  workspace: string;
}

function passes(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** Refuses manifest variables that would override the policy or the sandbox. */
export function checkExtraEnv(policy: ResolvedPolicy, extra: Readonly<Record<string, string>>, where: string): void {
  for (const key of Object.keys(extra)) {
    if (FORBIDDEN_ENV.includes(key) || key.startsWith('NODE_')) {
      throw new UsageError(`${where}: env ${key} would change how node starts and is never passed to a sleeve; remove it`);
    }
    if (SLEEVE_VARS.includes(key)) throw new UsageError(`${where}: env ${key} is set by sleeve-sandbox itself; remove it`);
    if (Object.hasOwn(policy.env.set, key)) {
      throw new UsageError(`${where}: env ${key} is set by policy "${policy.name}" to ${JSON.stringify(policy.env.set[key])}; a manifest cannot override it`);
    }
  }
}

export function buildSleeveEnv(
  policy: ResolvedPolicy,
  parent: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>>,
  who: SleeveIdentity,
): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined || FORBIDDEN_ENV.includes(key) || key.startsWith('NODE_')) continue;
    if (policy.env.pass.some((p) => passes(p, key))) env[key] = value;
  }
  // Coverage of the sandbox's own code in tests (only where V8 writes its coverage files).
  if (parent.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = parent.NODE_V8_COVERAGE;
  Object.assign(env, extra, policy.env.set);
  env.SLEEVE_RUN_ID = who.runId;
  env.SLEEVE_RUN_DIR = who.runDir;
  env.SLEEVE_NAME = who.name;
  env.SLEEVE_WORKSPACE = who.workspace;
  env.TV_RUN_ID = who.runId;
  // Temporary files belong to the run: <runDir>/tmp, made by the runner (os.tmpdir(), Python's tempfile, mktemp).
  env.TMPDIR = path.join(who.runDir, 'tmp');
  return { ...env };
}
