/**
 * The decision function: `(op, path) -> allow | deny`, with the rule that
 * decided and its reason. Rules are compiled once per sleeve (variables
 * expanded, globs compiled to regular expressions); decisions on a resolved
 * path are pure and cached.
 *
 * Semantics:
 * - deny always beats allow, whatever the order or specificity of the rules
 *   (unlike Deno 2.6+, where the most specific rule wins);
 * - relative patterns match paths inside the workspace; a path outside it is
 *   denied unless an absolute pattern names it;
 * - the path is resolved first (see resolve-path.ts); a path that cannot be
 *   resolved safely is denied.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import { regexpExec } from './regexp.js';
import { UsageError } from './errors.js';
import { bindBatchRunDirs } from './batch-run-dirs.js';
import { checkRunId, expandVariables, isGlob } from './patterns.js';
import { type PathInput, type Resolved, absoluteRaw, pathToString, resolveReal } from './resolve-path.js';
import { DEFAULT_RUNS_DIR, runDirOf, runsDirProblem } from './runs-dir.js';
import type { Sys } from './sys.js';
import type { FsOp, ResolvedPolicy, RuleOrigin } from './types.js';

export type RuleList = `fs.${FsOp}.${'allow' | 'deny'}`;

export interface MatchedRule {
  readonly list: RuleList;
  /** The pattern as written in the policy file. */
  readonly pattern: string;
  /** The pattern with `{runDir}` and `{runId}` expanded. */
  readonly expanded: string;
  readonly reason?: string;
  readonly origin: RuleOrigin;
}

export interface Decision {
  readonly allowed: boolean;
  readonly op: FsOp;
  /** The path as the caller spelled it (for messages). */
  readonly path: string;
  /** The real absolute path the decision is about; absent when it could not be resolved. */
  readonly resolved?: string;
  /** The rule that decided: the deny that matched, or the allow that matched. */
  readonly rule?: MatchedRule;
  /** Why, in words: the deny's reason, "no allow rule matches", ... */
  readonly reason: string;
  readonly policy: string;
  /** Decided on the spelling alone: the real path could not be learned (`resolved` is then only lexical). */
  readonly lexical?: true;
  /** Nothing had the last name when it was resolved (a create): no file there could have other hard links. */
  readonly absent?: true;
}

export interface CompileOptions {
  /** Absolute workspace root (resolved through sys.realpath). */
  workspace: string;
  /** The sleeve's run id; `{runDir}` becomes `<runsDir>/<runId>`. */
  runId: string;
  /** Workspace-relative run root (policies/runs-dir.ts checks its spelling); default `runs`. */
  runsDir?: string;
  sys: Sys;
  /**
   * Remember raw path -> real path. Only safe where the caller invalidates the
   * cache on every change of the namespace it makes (the fs guard does).
   */
  cacheResolutions?: boolean;
  /** Size bound of each cache; cleared when full. */
  cacheSize?: number;
  /**
   * The run ids `{batchRunDirs}` stands for (a combine step's batch,
   * batch-run-dirs.ts); none by default, so such a rule covers nothing.
   * `engine.policy` is the bound policy.
   */
  batchRunIds?: readonly string[];
}

export interface CompiledPolicy {
  readonly name: string;
  readonly workspace: string;
  readonly runId: string;
  /** Workspace-relative run root (`runs` unless configured). */
  readonly runsDir: string;
  /** Absolute `<workspace>/<runsDir>/<runId>`: what `{runDir}` names. */
  readonly runDir: string;
  readonly policy: ResolvedPolicy;
  /** Resolves and decides. Never throws for bad paths: they are denied. */
  decide(op: FsOp, input: PathInput | unknown): Decision;
  /** Decides on an already resolved real absolute path. Pure. */
  decideResolved(op: FsOp, real: string, display?: string): Decision;
  /** Forgets remembered resolutions (call after any rename, symlink, link, rm, ...). */
  invalidate(): void;
}

interface CompiledRule extends MatchedRule {
  readonly absolute: boolean;
  readonly test: (p: string) => boolean;
}

function compileRules(policy: ResolvedPolicy, op: FsOp, kind: 'allow' | 'deny', vars: { runDir: string; runId: string }, nocase: boolean): CompiledRule[] {
  return policy.fs[op][kind].map((rule) => {
    const expanded = expandVariables(rule.pattern, vars);
    const absolute = expanded.startsWith('/');
    const glob = absolute ? expanded.slice(1) : expanded;
    const compiled: CompiledRule = {
      list: `fs.${op}.${kind}`,
      pattern: rule.written ?? rule.pattern,
      expanded,
      origin: rule.origin,
      absolute,
      test: fastMatcher(glob, nocase),
    };
    if ('reason' in rule && typeof rule.reason === 'string') return { ...compiled, reason: rule.reason };
    return compiled;
  });
}

/**
 * A matcher for one pattern. Resolved real paths never hold empty, "." or
 * ".." segments, so a literal pattern is a string comparison and `dir/**` a
 * prefix test; everything else is picomatch's compiled regular expression.
 */
const DOT_SEGMENT = /\/\.\.?(\/|$)/;

function fastMatcher(glob: string, nocase: boolean): (p: string) => boolean {
  if (!nocase) {
    if (!isGlob(glob)) return (p) => p === glob;
    if (glob.endsWith('/**') && !isGlob(glob.slice(0, -3))) {
      const dir = glob.slice(0, -3);
      const prefix = `${dir}/`;
      return (p) => p === dir || p.startsWith(prefix);
    }
  }
  const re = picomatch.makeRe(glob, { dot: true, nocase, strictBrackets: true });
  // The exec taken when this module loaded, on a regular expression nobody else holds: inside a sleeve,
  // RegExp.prototype is left to the sleeve (V8's fast regular expressions need it untouched), and
  // `re.test` would look `exec` up there.
  return (p) => regexpExec(re, p) !== null;
}

function publicRule(rule: CompiledRule): MatchedRule {
  const out: MatchedRule = { list: rule.list, pattern: rule.pattern, expanded: rule.expanded, origin: rule.origin };
  return rule.reason === undefined ? out : { ...out, reason: rule.reason };
}

export function compilePolicy(policyAsWritten: ResolvedPolicy, options: CompileOptions): CompiledPolicy {
  const problem = checkRunId(options.runId);
  if (problem) throw new UsageError(`invalid run id: ${problem}`);
  const { sys } = options;
  let workspace: string;
  try {
    workspace = sys.realpath(options.workspace);
  } catch (error) {
    // Under Node's permission model the workspace root itself is not granted:
    // the runner hands the sandbox a path it already resolved.
    if ((error as NodeJS.ErrnoException).code === 'ERR_ACCESS_DENIED' && path.isAbsolute(options.workspace)) {
      workspace = path.resolve(options.workspace);
    } else
      throw new UsageError(
        `workspace ${options.workspace} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'}): pass an existing directory with --workspace`,
      );
  }
  const runsDir = options.runsDir ?? DEFAULT_RUNS_DIR;
  const badRoot = runsDirProblem(runsDir);
  if (badRoot !== undefined) throw new UsageError(`run root ${JSON.stringify(runsDir)} ${badRoot}`);
  const runDir = runDirOf(runsDir, options.runId);
  const vars = { runDir, runId: options.runId };
  const policy = bindBatchRunDirs(policyAsWritten, runsDir, options.batchRunIds ?? []);
  const nocase = sys.caseInsensitive;
  const rules = {
    read: { allow: compileRules(policy, 'read', 'allow', vars, nocase), deny: compileRules(policy, 'read', 'deny', vars, nocase) },
    write: { allow: compileRules(policy, 'write', 'allow', vars, nocase), deny: compileRules(policy, 'write', 'deny', vars, nocase) },
  };
  const cacheSize = options.cacheSize ?? 50_000;
  const caching = options.cacheResolutions === true;
  const decisions = new Map<string, Decision>();
  /** Per op: absolute raw path -> decision (only with cacheResolutions). */
  const byRaw = { read: new Map<string, Decision>(), write: new Map<string, Decision>() };
  /** Raw directory -> its real path (only directories that exist). */
  const dirReal = new Map<string, string>();
  /** Real directory -> names of its symlinks, or null when too large to list. */
  const dirLinks = new Map<string, Set<string> | null>();
  const wsPrefix = workspace === '/' ? '/' : `${workspace}/`;
  const MAX_LISTING = 10_000;

  const remember = <K, V>(map: Map<K, V>, key: K, value: V) => {
    if (map.size >= cacheSize) map.clear();
    map.set(key, value);
  };

  /**
   * Resolution with remembered directories: the parent's real path and which
   * of its entries are symlinks are learnt once; a leaf that is not a symlink
   * then needs no system call. Anything unusual takes the full resolver.
   */
  function resolveCached(raw: string): ReturnType<typeof resolveReal> {
    const trimmed = raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
    if (trimmed.includes('/.') && regexpExec(DOT_SEGMENT, trimmed) !== null) return resolveReal(sys, raw);
    const slash = trimmed.lastIndexOf('/');
    const dir = slash === 0 ? '/' : trimmed.slice(0, slash);
    const name = trimmed.slice(slash + 1);
    if (name === '') return resolveReal(sys, raw);
    let real = dirReal.get(dir);
    if (real === undefined) {
      const r = resolveReal(sys, dir);
      let isDir = false;
      try {
        isDir = r.ok && sys.lstat(r.real) === 'dir';
      } catch {
        isDir = false; // e.g. a directory Node's permission layer will not let us stat
      }
      if (!r.ok || !isDir) return resolveReal(sys, raw);
      real = r.real;
      remember(dirReal, dir, real);
    }
    let links = dirLinks.get(real);
    if (links === undefined) {
      try {
        const entries = sys.readdir(real);
        links = entries.length > MAX_LISTING ? null : new Set(entries.filter((e) => e.kind === 'symlink').map((e) => e.name));
      } catch {
        return resolveReal(sys, raw);
      }
      remember(dirLinks, real, links);
    }
    const leaf = real === '/' ? `/${name}` : `${real}/${name}`;
    let isLink: boolean;
    try {
      isLink = links === null ? sys.lstat(leaf) === 'symlink' : links.has(name);
    } catch {
      return resolveReal(sys, raw);
    }
    return isLink ? resolveReal(sys, raw) : { ok: true, real: leaf };
  }

  function decideResolved(op: FsOp, real: string, display = real): Decision {
    const key = caching ? '' : `${op}\0${real}`;
    const cached = caching ? undefined : decisions.get(key);
    if (cached) return cached.path === display ? cached : Object.freeze({ ...cached, path: display });
    let relative: string | undefined;
    if (real === workspace) relative = '.';
    else if (real.startsWith(wsPrefix)) relative = real.slice(wsPrefix.length);
    const subject = (rule: CompiledRule) => (rule.absolute ? rule.test(real.slice(1)) : relative !== undefined && rule.test(relative));
    const set = rules[op];
    let decision: Decision;
    const deny = set.deny.find(subject);
    if (deny) {
      decision = {
        allowed: false,
        op,
        path: display,
        resolved: real,
        rule: publicRule(deny),
        reason: deny.reason ?? 'matches a deny rule',
        policy: policy.name,
      };
    } else {
      const allow = set.allow.find(subject);
      decision = allow
        ? { allowed: true, op, path: display, resolved: real, rule: publicRule(allow), reason: 'matches an allow rule', policy: policy.name }
        : {
            allowed: false,
            op,
            path: display,
            resolved: real,
            reason: relative === undefined ? 'outside the workspace and no rule names it' : 'no allow rule matches',
            policy: policy.name,
          };
    }
    Object.freeze(decision);
    if (!caching) remember(decisions, key, decision);
    return decision;
  }

  function decide(op: FsOp, input: unknown): Decision {
    const text = pathToString(input);
    if (!text.ok) {
      const display = typeof input === 'string' ? input : String(input instanceof Uint8Array ? Buffer.from(input).toString('utf8') : input);
      return Object.freeze({ allowed: false, op, path: display, reason: `cannot be resolved safely: ${text.problem}`, policy: policy.name });
    }
    const raw = absoluteRaw(text.path, sys.cwd());
    if (caching) {
      const hit = byRaw[op].get(raw);
      if (hit) return hit.path === text.path ? hit : Object.freeze({ ...hit, path: text.path });
    }
    let resolved: Resolved;
    try {
      resolved = caching ? resolveCached(raw) : resolveReal(sys, raw);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      resolved = { ok: false, problem: `cannot be resolved (${code})`, code };
    }
    if (!resolved.ok) {
      if (resolved.code === 'ERR_ACCESS_DENIED') {
        // Node's permission layer refused even to resolve it. Decide on the
        // spelling for a useful message, and never allow: that layer would refuse.
        const lexical = decideResolved(op, path.posix.normalize(raw), text.path);
        return lexical.allowed
          ? Object.freeze({
              ...lexical,
              allowed: false,
              rule: undefined,
              reason: 'refused by the Node permission layer (ERR_ACCESS_DENIED)',
              lexical: true as const,
            })
          : Object.freeze({ ...lexical, lexical: true as const });
      }
      return Object.freeze({ allowed: false, op, path: text.path, reason: `cannot be resolved safely: ${resolved.problem}`, policy: policy.name });
    }
    const decision = decideResolved(op, resolved.real, text.path);
    if (caching) remember(byRaw[op], raw, decision);
    // What was absent a moment ago is not remembered with the decision.
    return resolved.absent ? Object.freeze({ ...decision, absent: true as const }) : decision;
  }

  return Object.freeze({
    name: policy.name,
    workspace,
    runId: options.runId,
    runsDir,
    runDir: path.join(workspace, runDir),
    policy,
    decide,
    decideResolved,
    invalidate: () => {
      byRaw.read.clear();
      byRaw.write.clear();
      dirReal.clear();
      dirLinks.clear();
    },
  });
}
