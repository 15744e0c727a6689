/**
 * One denial shape with a stable code, shared by the guard, the isolate
 * capability API, the runner and reports. Callers branch on `.code`
 * (`'EACCES'`) and the `sleeveSandbox` brand, never on the message text.
 */
import type { Decision, MatchedRule } from './engine.js';
import type { FsOp, ResolvedPolicy, RuleOrigin } from './types.js';

/** Serialisable facts of a denial: this is what crosses process and isolate boundaries. */
export interface DenialInfo {
  readonly kind: 'sleeve-sandbox-denial';
  readonly op: string;
  readonly path: string;
  readonly resolved?: string;
  readonly policy: string;
  /** `fs.read.deny "pattern"`, or `fs.write` when no allow rule matched. */
  readonly rule: string;
  readonly reason: string;
}

export function describeRule(decision: Pick<Decision, 'op' | 'rule'>): string {
  const rule: MatchedRule | undefined = decision.rule;
  return rule ? `${rule.list} ${JSON.stringify(rule.pattern)}` : `fs.${decision.op}`;
}

/**
 * Where the rule a denial names (`describeRule`'s words, e.g. `fs.read.deny "data/**"`)
 * is written in `policy`; undefined for `fs.read`/`fs.write` (no allow matched),
 * capability keys, and words that name none of the policy's rules (the first
 * of equal patterns when a chain repeats one). Reports locate a denial with it.
 */
export function ruleOrigin(policy: ResolvedPolicy, rule: string): RuleOrigin | undefined {
  const m = /^fs\.(read|write)\.(allow|deny) ("(?:[^"\\]|\\.)*")$/.exec(rule);
  if (!m) return undefined;
  let pattern: unknown;
  try {
    pattern = JSON.parse(m[3] as string);
  } catch {
    return undefined;
  }
  const list = policy.fs[m[1] as FsOp][m[2] as 'allow' | 'deny'];
  return list.find((r) => (r.written ?? r.pattern) === pattern)?.origin;
}

/**
 * `write denied: data/lakehouse/AAPL.csv (policy strict, fs.write: no allow rule matches)`
 * `read denied: data/lakehouse/portfolio_candidates.json (policy strict, fs.read.deny "...": strict isolation: ...)`
 */
export function formatDecision(decision: Decision): string {
  const verdict = decision.allowed ? 'allowed' : 'denied';
  return `${decision.op} ${verdict}: ${decision.path} (policy ${decision.policy}, ${describeRule(decision)}: ${decision.reason})`;
}

export function denialInfo(decision: Decision): DenialInfo {
  const info: DenialInfo = {
    kind: 'sleeve-sandbox-denial',
    op: decision.op,
    path: decision.path,
    policy: decision.policy,
    rule: describeRule(decision),
    reason: decision.reason,
  };
  return decision.resolved === undefined ? info : { ...info, resolved: decision.resolved };
}

export interface DenialError extends Error {
  code: 'EACCES';
  errno: number;
  syscall: string;
  path: string;
  sleeveSandbox: DenialInfo;
}

/** An `EACCES` error, as fs would throw, that names the rule and its reason. */
export function createDenialError(decision: Decision, syscall: string = decision.op): DenialError {
  const error = new Error(formatDecision(decision)) as DenialError;
  error.code = 'EACCES';
  error.errno = -13;
  error.syscall = syscall;
  error.path = decision.path;
  error.sleeveSandbox = denialInfo(decision);
  return error;
}

export function isDenialError(value: unknown): value is DenialError {
  return (
    value instanceof Error &&
    (value as Partial<DenialError>).code === 'EACCES' &&
    (value as Partial<DenialError>).sleeveSandbox?.kind === 'sleeve-sandbox-denial'
  );
}

/** A refusal of something other than a path: a module, a socket, a process. */
export interface CapabilityDenial {
  /** The capability, e.g. `child_process`, `net`, `worker_threads`, `process.binding`. */
  readonly op: string;
  /** The API the sleeve called, e.g. `child_process.spawn("ls")`. */
  readonly api: string;
  readonly policy: string;
  /** The policy key that decides, e.g. `process.childProcess` or `net`. */
  readonly rule: string;
  readonly reason: string;
}

/** `child_process denied: child_process.spawn (policy strict, process.childProcess: not allowed by the policy)` */
export function createCapabilityDenialError(denial: CapabilityDenial): DenialError {
  const error = new Error(`${denial.op} denied: ${denial.api} (policy ${denial.policy}, ${denial.rule}: ${denial.reason})`) as DenialError;
  error.code = 'EACCES';
  error.errno = -13;
  error.syscall = denial.op;
  error.path = denial.api;
  error.sleeveSandbox = {
    kind: 'sleeve-sandbox-denial',
    op: denial.op,
    path: denial.api,
    policy: denial.policy,
    rule: denial.rule,
    reason: denial.reason,
  };
  return error;
}
