/**
 * Compiles a policy to Node's permission-model flags: the hard floor in C++
 * under the JS guard. Node grants are prefixes (a directory grants all below
 * it), it has no deny, and it checks the path as written (it does not resolve
 * symlinks), so:
 * - a deny is emulated by granting the siblings along the path to the denied
 *   entry instead of their parent (only entries that exist now are granted;
 *   anything created later under such a directory is refused at this layer);
 * - every entry is granted only when the engine, which resolves symlinks,
 *   allows it;
 * - a directory that does not exist yet is granted as `dir/*`, which Node reads
 *   as "this directory and everything that will be below it".
 * Where Node's grant is coarser than the policy (a glob that is not `dir/**`
 * for writes), the JS guard refines it; the README says so.
 */
import path from 'node:path';
import { PolicyError, UsageError } from './errors.js';
import type { CompiledPolicy } from './engine.js';
import { expandVariables, isWithin, patternBase } from './patterns.js';
import { runDirOf } from './runs-dir.js';
import type { Sys } from './sys.js';
import type { FsOp } from './types.js';

export interface NodeFeatures {
  /** `--permission` (22.13+), `--experimental-permission` (20.x, 22.x), or none. */
  readonly permissionFlag: '--permission' | '--experimental-permission' | null;
  readonly allowAddons: boolean;
  readonly allowWasi: boolean;
}

/** Feature detection from the flags a node binary accepts (process.allowedNodeEnvironmentFlags). */
export function detectNodeFeatures(allowedFlags: ReadonlySet<string>): NodeFeatures {
  let permissionFlag: NodeFeatures['permissionFlag'] = null;
  if (allowedFlags.has('--permission')) permissionFlag = '--permission';
  else if (allowedFlags.has('--experimental-permission')) permissionFlag = '--experimental-permission';
  return Object.freeze({
    permissionFlag,
    allowAddons: allowedFlags.has('--allow-addons'),
    allowWasi: allowedFlags.has('--allow-wasi'),
  });
}

export interface NodeFlagsOptions {
  engine: CompiledPolicy;
  sys: Sys;
  features: NodeFeatures;
  /** Absolute paths the sleeve process itself must read: its entry, the guard, their modules. */
  extraRead?: readonly string[];
  /** Most grants per operation before giving up (fail closed: narrow the policy). */
  maxGrants?: number;
}

export interface NodeFlags {
  readonly flags: readonly string[];
  readonly read: readonly string[];
  readonly write: readonly string[];
}

function grantsFor(op: FsOp, opts: NodeFlagsOptions): string[] {
  const { engine, sys } = opts;
  const maxGrants = opts.maxGrants ?? 10_000;
  const vars = { runDir: runDirOf(engine.runsDir, engine.runId), runId: engine.runId };
  const toAbs = (p: string) => (p.startsWith('/') ? p : path.join(engine.workspace, p));
  const denyBases = engine.policy.fs[op].deny.map((r) => toAbs(patternBase(expandVariables(r.pattern, vars))));
  const grants = new Set<string>();
  const add = (p: string, subtree = false) => {
    if (p.includes('*')) {
      throw new UsageError(`cannot grant ${p} at the Node permission layer: "*" in a path is a wildcard to Node; rename it`);
    }
    grants.add(subtree ? `${p}/*` : p);
    if (grants.size > maxGrants) {
      throw new PolicyError([
        {
          ...(engine.policy.fs[op].allow[0]?.origin ?? { file: engine.policy.chain[0]?.file ?? '', line: 1, column: 1, jsonPath: '' }),
          level: 'error',
          message: `fs.${op} needs more than ${maxGrants} Node permission grants to emulate its deny rules; narrow the deny patterns`,
        },
      ]);
    }
  };
  const denyMayBeBelow = (dir: string) => denyBases.some((b) => isWithin(b, dir) || isWithin(dir, b));
  const walk = (dir: string, depth: number) => {
    if (depth > 64) return;
    let entries: ReturnType<Sys['readdir']>;
    try {
      entries = sys.readdir(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const p = dir === '/' ? `/${entry.name}` : `${dir}/${entry.name}`;
      const decision = engine.decide(op, p);
      const allowed = decision.allowed;
      if (entry.kind === 'symlink') {
        // Node follows a granted link wherever it points: grant it only when
        // its target is allowed and no deny lies below that target.
        if (allowed && decision.resolved !== undefined && !denyMayBeBelow(decision.resolved)) add(p);
      } else if (entry.kind === 'dir') {
        if (allowed && !denyMayBeBelow(p)) add(p);
        else walk(p, depth + 1);
      } else if (allowed) {
        add(p);
      }
    }
  };
  for (const rule of engine.policy.fs[op].allow) {
    const expanded = expandVariables(rule.pattern, vars);
    const base = toAbs(patternBase(expanded));
    const kind = sys.lstat(base);
    if (kind === undefined) {
      // Not there yet: only a whole-tree grant is meaningful for a later create.
      if (engine.decideResolved(op, base).allowed && !denyMayBeBelow(base)) add(base, true);
      continue;
    }
    const decision = engine.decide(op, base);
    if (kind === 'dir' && decision.allowed && !denyMayBeBelow(base) && (expanded === patternBase(expanded) || expanded.endsWith('/**'))) {
      add(base);
    } else if (kind === 'dir') {
      walk(base, 0);
    } else if (decision.allowed) {
      add(base);
    }
  }
  return [...grants].sort();
}

/** Node flags for one sleeve: the permission flag, fs grants, and the process grants the policy allows. */
export function compileNodeFlags(opts: NodeFlagsOptions): NodeFlags {
  const { features, engine } = opts;
  if (features.permissionFlag === null) {
    throw new UsageError('this node has no permission model (--permission / --experimental-permission); use Node >= 20.19');
  }
  const read = [...new Set([...grantsFor('read', opts), ...(opts.extraRead ?? [])])].sort();
  const write = grantsFor('write', opts);
  const flags: string[] = [features.permissionFlag];
  for (const p of read) flags.push(`--allow-fs-read=${p}`);
  for (const p of write) flags.push(`--allow-fs-write=${p}`);
  const proc = engine.policy.process;
  if (proc.childProcess) flags.push('--allow-child-process');
  if (proc.workers) flags.push('--allow-worker');
  if (proc.addons && features.allowAddons) flags.push('--allow-addons');
  return Object.freeze({ flags: Object.freeze(flags), read: Object.freeze(read), write: Object.freeze(write) });
}
