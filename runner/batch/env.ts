/**
 * The environment of a sleeve process, built only from the policy: the
 * variables it passes through, the ones it sets, the sleeve's own variables,
 * and the manifest's extras (which may not override what the policy sets).
 * Nothing else reaches the sleeve. Because a sleeve cannot tell a variable
 * the policy dropped from one never set, this module also decides which
 * dropped parent variables look relevant (NOTICED_ENV), for the one notice
 * `run` prints per batch and for audit.json: names only, never values.
 */
import path from 'node:path';
import { UsageError } from '../../policies/errors.js';
import type { ResolvedPolicy } from '../../policies/types.js';

/** Variables that change how node itself starts: never passed, never set. */
export const FORBIDDEN_ENV = Object.freeze(['NODE_OPTIONS', 'NODE_PATH', 'NODE_REPL_EXTERNAL_MODULE', 'NODE_EXTRA_CA_CERTS', 'UV_THREADPOOL_SIZE']);
export const SLEEVE_VARS = Object.freeze([
  'SLEEVE_RUN_ID',
  'SLEEVE_RUN_DIR',
  'SLEEVE_NAME',
  'SLEEVE_WORKSPACE',
  'TV_RUN_ID',
  'TMPDIR',
  'SLEEVE_SANDBOX_CONFIG',
  'SLEEVE_BATCH_RUNS',
]);

export interface SleeveIdentity {
  name: string;
  runId: string;
  runDir: string;
  workspace: string;
  /** The combine step's batch: SLEEVE_BATCH_RUNS, a JSON array of { name, runId, runDir } (absolute run dirs). */
  batchRuns?: ReadonlyArray<{ name: string; runId: string; runDir: string }> | undefined;
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
  if (who.batchRuns !== undefined) env.SLEEVE_BATCH_RUNS = JSON.stringify(who.batchRuns.map((r) => ({ name: r.name, runId: r.runId, runDir: r.runDir })));
  // Temporary files belong to the run: <runDir>/tmp, made by the runner (os.tmpdir(), Python's tempfile, mktemp).
  env.TMPDIR = path.join(who.runDir, 'tmp');
  return { ...env };
}

/**
 * The parent variables worth a notice when a policy drops them: each changes
 * what a program computes or prints without making it fail, so a sleeve that
 * reads one and finds it unset goes wrong quietly. Locale and time (TZ, LANG,
 * LANGUAGE, LC_*), the application's mode and logging (NODE_ENV, DEBUG,
 * LOG_LEVEL, LOGLEVEL, VERBOSE), colour (NO_COLOR, FORCE_COLOR) and CI.
 * Left out on purpose: variables every shell has (PATH, HOME, USER, SHELL,
 * TERM, PWD: a notice on every run would be noise, and a command without
 * PATH already fails with its fix), node's own start-up variables (never
 * passable: FORBIDDEN_ENV), and proxies and credentials (a sleeve should not
 * be nudged towards them). Beside these, a variable is relevant when its name
 * holds the sleeve's name (upper-cased, non-alphanumerics as "_") as whole
 * "_"-separated words, or starts with a prefix the manifest's or the policy's
 * own variables use (TV_SYMBOL in the manifest suggests TV_*).
 */
export const NOTICED_ENV = Object.freeze([
  'DEBUG',
  'NODE_ENV',
  'TZ',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'LOG_LEVEL',
  'LOGLEVEL',
  'VERBOSE',
  'NO_COLOR',
  'FORCE_COLOR',
  'CI',
]);

/** MA_LONG for the sleeve ma-long; undefined when the name is too short to mean anything (one character). */
export function sleeveEnvWord(name: string): string | undefined {
  const word = name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return word.length >= 2 ? word : undefined;
}

/** The family prefix of a variable name ("TV_" of TV_SYMBOL), when it has one worth following. */
function familyOf(key: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9]+_)[A-Za-z0-9]/.exec(key);
  if (!m) return undefined;
  const prefix = m[1] as string;
  return prefix === 'NODE_' || prefix === 'SLEEVE_' ? undefined : prefix;
}

/** Whether the variable reaches the sleeve at all: passed by the policy, set by it or the manifest, or the sandbox's own. */
function reaches(policy: ResolvedPolicy, extra: Readonly<Record<string, string>>, key: string): boolean {
  if (SLEEVE_VARS.includes(key) || Object.hasOwn(policy.env.set, key) || Object.hasOwn(extra, key)) return true;
  if (FORBIDDEN_ENV.includes(key) || key.startsWith('NODE_')) return false;
  return policy.env.pass.some((p) => passes(p, key));
}

/**
 * The parent variables a sleeve will not see that look relevant to it (see
 * NOTICED_ENV), sorted: names only, never values. Pure.
 */
export function droppedEnv(policy: ResolvedPolicy, parent: NodeJS.ProcessEnv, extra: Readonly<Record<string, string>>, sleeveName: string): string[] {
  const word = sleeveEnvWord(sleeveName);
  const families = new Set([...Object.keys(extra), ...Object.keys(policy.env.set)].map(familyOf).filter((f) => f !== undefined));
  const relevant = (key: string): boolean => {
    if (NOTICED_ENV.some((p) => passes(p, key))) return true;
    if (word !== undefined && `_${key.toUpperCase()}_`.includes(`_${word}_`)) return true;
    return [...families].some((f) => key.startsWith(f));
  };
  const out: string[] = [];
  for (const [key, value] of Object.entries(parent)) {
    // Only names env.pass can name (anything else could only come through "*", and could not be printed safely).
    if (value === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || reaches(policy, extra, key) || !relevant(key)) continue;
    out.push(key);
  }
  return out.sort();
}

/**
 * The batch's one notice about dropped variables (stderr, once, not per
 * sleeve): one line per policy that drops any, naming the sleeves, the
 * variables and the fix. Empty when nothing relevant was dropped. Pure.
 */
export function droppedEnvNotice(items: ReadonlyArray<{ sleeve: string; policy: ResolvedPolicy; dropped: readonly string[] }>): string[] {
  const byPolicy = new Map<string, { policy: ResolvedPolicy; sleeves: string[]; names: Set<string> }>();
  for (const it of items) {
    if (it.dropped.length === 0) continue;
    const key = `${it.policy.name}\0${it.policy.chain[0]?.file ?? ''}`;
    const g = byPolicy.get(key) ?? { policy: it.policy, sleeves: [], names: new Set<string>() };
    g.sleeves.push(it.sleeve);
    for (const n of it.dropped) g.names.add(n);
    byPolicy.set(key, g);
  }
  if (byPolicy.size === 0) return [];
  const lines = ['sleeve-sandbox: set in this environment but not passed to the sleeves (a sleeve reading one finds it unset; names only):'];
  for (const g of byPolicy.values()) {
    const names = [...g.names].sort();
    const passable = names.filter((n) => !n.startsWith('NODE_') && !FORBIDDEN_ENV.includes(n));
    const settable = names.filter((n) => !passable.includes(n));
    const fixes: string[] = [];
    const builtin = g.policy.chain[0]?.kind === 'builtin';
    const inPolicy = builtin ? `a policy that extends "${g.policy.name}"` : `policy "${g.policy.name}" (${g.policy.chain[0]?.file ?? '?'})`;
    if (passable.length > 0) fixes.push(`to pass ${passable.join(', ')}, add ${passable.length > 1 ? 'them' : 'it'} to "env.pass" in ${inPolicy}`);
    if (settable.length > 0)
      fixes.push(
        `${settable.join(', ')} ${settable.length > 1 ? 'are' : 'is'} never passed (NODE_* variables change how node starts): give ${settable.length > 1 ? 'them values' : 'it a value'} in "env.set" instead`,
      );
    lines.push(`  policy "${g.policy.name}" (${g.sleeves.join(', ')}): ${names.join(', ')}; ${fixes.join('; ')}`);
  }
  return lines;
}
