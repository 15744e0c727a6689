/**
 * Loads a policy by name or path, validates it with the zod schema, follows
 * `extends`, and merges the chain into one frozen ResolvedPolicy.
 *
 * Merge rules (documented in the README):
 * - fs allow/deny lists, env.pass and requires: the union, base entries first.
 *   A policy can never remove a base's deny: deny always wins.
 * - env.set: merged by key, the extending policy wins.
 * - net, process.*, resources.*, description: the extending policy wins when it sets them.
 * - mode: "isolate" when any policy of the chain says so (it can be raised, never lowered).
 * - name: always the extending policy's own.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { BUILTIN_POLICY_DIR } from './builtin.js';
import { PolicyError, PolicyNotFoundError } from './errors.js';
import { type JsonPath, type JsonSource, formatJsonPath, issuesToDiagnostics, parseJsonSource } from './json-source.js';
import { type PolicyFile, policySchema, strictestOsLayer } from './schema.js';
import type { Sys } from './sys.js';
import { nearestName } from './suggest.js';
import type { AccessRules, DenyRule, PatternRule, PolicySource, ResolvedPolicy, RuleOrigin } from './types.js';

export interface LoadOptions {
  /** Absolute workspace root: `<workspace>/policies/<name>.json` overrides a built-in. */
  workspace: string;
  sys: Sys;
  /** Directory of built-in policies; defaults to the package's policies/. */
  builtinDir?: string;
}

export interface LoadedFile {
  source: PolicySource;
  /** sha256 of the text read (UTF-8). */
  sha256: string;
  json: JsonSource;
  policy: PolicyFile;
}

export interface LoadedPolicy {
  policy: ResolvedPolicy;
  /** Each file of the chain, the requested one first (for lint positions). */
  files: LoadedFile[];
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
export const DEFAULT_PROTECT = Object.freeze(['data/lakehouse/**']);

/** True when a --policy / extends value is a path rather than a name. */
export function isPolicyPath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || ref.endsWith('.json') || !NAME_RE.test(ref);
}

function errorAt(file: string, json: JsonSource | undefined, jsonPath: JsonPath, message: string): PolicyError {
  const pos = json ? json.locate(jsonPath) : { line: 1, column: 1 };
  return new PolicyError([{ file, ...pos, jsonPath: formatJsonPath(jsonPath), level: 'error', message }]);
}

/** Finds the file a reference names. `from` is the referring place, for messages. */
export function locatePolicy(ref: string, opts: LoadOptions, relativeTo: string, from?: { file: string; json: JsonSource }): PolicySource {
  const { sys } = opts;
  if (isPolicyPath(ref)) {
    const file = path.resolve(relativeTo, ref);
    if (sys.lstat(file) === undefined) {
      const message = `policy file not found: ${file} (from ${JSON.stringify(ref)}); check the path, or give a policy name such as "strict"`;
      throw from
        ? errorAt(from.file, from.json, ['extends'], message)
        : new PolicyNotFoundError([{ file, line: 1, column: 1, jsonPath: '', level: 'error', message }]);
    }
    return { name: path.basename(file, '.json'), file, kind: 'file' };
  }
  const inWorkspace = path.join(opts.workspace, 'policies', `${ref}.json`);
  if (sys.lstat(inWorkspace) !== undefined) return { name: ref, file: inWorkspace, kind: 'workspace' };
  const builtinDir = opts.builtinDir ?? BUILTIN_POLICY_DIR;
  const builtin = path.join(builtinDir, `${ref}.json`);
  if (sys.lstat(builtin) !== undefined) return { name: ref, file: builtin, kind: 'builtin' };
  const names = listPolicyNames(opts);
  const known = names.join(', ') || 'none';
  const near = nearestName(ref, names);
  const hint = near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
  const message = `no policy named ${JSON.stringify(ref)}: looked in ${inWorkspace} and the built-ins (known: ${known})${hint}; give a name or a path to a .json file`;
  if (from) throw errorAt(from.file, from.json, ['extends'], message);
  throw new PolicyNotFoundError([{ file: inWorkspace, line: 1, column: 1, jsonPath: '', level: 'error', message }]);
}

/** Names of the workspace and built-in policies (not the JSON Schemas `*.schema.json`, nor the policy tests `*.test.json`). */
export function listPolicyNames(opts: LoadOptions): string[] {
  const names = new Set<string>();
  for (const dir of [path.join(opts.workspace, 'policies'), opts.builtinDir ?? BUILTIN_POLICY_DIR]) {
    try {
      for (const e of opts.sys.readdir(dir)) {
        if (e.name.endsWith('.json') && !e.name.endsWith('.schema.json') && !e.name.endsWith('.test.json')) names.add(e.name.slice(0, -5));
      }
    } catch {
      // a missing directory has no names
    }
  }
  return [...names].sort();
}

/** Reads and validates one file, without following `extends`. */
export function loadPolicyFile(source: PolicySource, sys: Sys): LoadedFile {
  let text: string;
  try {
    text = sys.readFile(source.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PolicyError([
      {
        file: source.file,
        line: 1,
        column: 1,
        jsonPath: '',
        level: 'error',
        message: `cannot read the policy file (${code}): check that it exists and is a readable file`,
      },
    ]);
  }
  const json = parseJsonSource(source.file, text);
  const result = policySchema.safeParse(json.value);
  if (!result.success) {
    if (source.file.endsWith('.test.json')) {
      // A shell glob such as policies/*.json also picks up the policies' test files.
      throw new PolicyError([
        {
          file: source.file,
          line: 1,
          column: 1,
          jsonPath: '',
          level: 'error',
          message: `this is a policy test file, not a policy: run it with "sleeve-sandbox policy test ${source.file}", and leave *.test.json out of the files given to this command`,
        },
      ]);
    }
    throw new PolicyError(issuesToDiagnostics(result.error.issues, json, 'the schema defines (see "sleeve-sandbox policy schema")'));
  }
  return { source, sha256: createHash('sha256').update(text, 'utf8').digest('hex'), json, policy: result.data };
}

/**
 * Loads a policy by name or path (paths relative to `sys.cwd()`), follows
 * `extends` (paths relative to the extending file), and merges the chain.
 */
export function loadPolicy(ref: string, opts: LoadOptions): LoadedPolicy {
  const files: LoadedFile[] = [];
  const seen = new Map<string, string>();
  let source = locatePolicy(ref, opts, opts.sys.cwd());
  for (;;) {
    const real = safeRealpath(opts.sys, source.file);
    const previous = files[files.length - 1];
    if (seen.has(real)) {
      const cycle = [...files.map((f) => f.source.file), source.file].join(' -> ');
      throw errorAt(previous?.source.file ?? source.file, previous?.json, ['extends'], `extends cycle: ${cycle}; remove one of the "extends" links`);
    }
    seen.set(real, source.file);
    const loaded = loadPolicyFile(source, opts.sys);
    files.push(loaded);
    if (loaded.policy.extends === undefined) break;
    if (files.length > 16) throw errorAt(source.file, loaded.json, ['extends'], 'extends chain longer than 16 policies; flatten it');
    source = locatePolicy(loaded.policy.extends, opts, path.dirname(source.file), { file: source.file, json: loaded.json });
  }
  return { policy: mergeChain(files), files };
}

function safeRealpath(sys: Sys, file: string): string {
  try {
    return sys.realpath(file);
  } catch {
    return path.resolve(file);
  }
}

function originOf(f: LoadedFile, jsonPath: JsonPath): RuleOrigin {
  return { file: f.source.file, ...f.json.locate(jsonPath), jsonPath: formatJsonPath(jsonPath) };
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function osLayerOrigin(files: LoadedFile[]): { osLayerFrom?: string } {
  const strictest = strictestOsLayer(...files.map((f) => f.policy.osLayer));
  const f = files.find((x) => x.policy.osLayer === strictest);
  return f ? { osLayerFrom: `policy ${f.policy.name} (${f.source.file})` } : {};
}

/** Merges a chain (most derived first) into one frozen policy. */
export function mergeChain(files: LoadedFile[]): ResolvedPolicy {
  const baseFirst = [...files].reverse();
  const top = files[0];
  if (!top) throw new Error('mergeChain needs at least one file');
  const access = (op: 'read' | 'write'): AccessRules => {
    const allow: PatternRule[] = [];
    const deny: DenyRule[] = [];
    for (const f of baseFirst) {
      const rules = f.policy.fs?.[op];
      rules?.allow.forEach((pattern, i) => {
        allow.push({ pattern, origin: originOf(f, ['fs', op, 'allow', i]) });
      });
      rules?.deny.forEach((entry, i) => {
        const origin = originOf(f, ['fs', op, 'deny', i]);
        deny.push(typeof entry === 'string' ? { pattern: entry, origin } : { pattern: entry.path, reason: entry.reason, origin });
      });
    }
    return Object.freeze({
      allow: Object.freeze(uniqueBy(allow, (r) => r.pattern)),
      deny: Object.freeze(uniqueBy(deny, (r) => `${r.pattern}\0${r.reason ?? ''}`)),
    });
  };
  const last = <T>(pick: (p: PolicyFile) => T | undefined, fallback: T): T => {
    for (const f of files) {
      const v = pick(f.policy);
      if (v !== undefined) return v;
    }
    return fallback;
  };
  const set: Record<string, string> = Object.create(null);
  for (const f of baseFirst) Object.assign(set, f.policy.env?.set ?? {});
  const requires: PatternRule[] = [];
  for (const f of baseFirst) {
    f.policy.requires?.forEach((pattern, i) => {
      requires.push({ pattern, origin: originOf(f, ['requires', i]) });
    });
  }
  const resources: { memoryMiB?: number; timeoutSeconds?: number; cpus?: number } = {};
  const memoryMiB = last((p) => p.resources?.memoryMiB, undefined);
  const timeoutSeconds = last((p) => p.resources?.timeoutSeconds, undefined);
  const cpus = last((p) => p.resources?.cpus, undefined);
  if (memoryMiB !== undefined) resources.memoryMiB = memoryMiB;
  if (timeoutSeconds !== undefined) resources.timeoutSeconds = timeoutSeconds;
  if (cpus !== undefined) resources.cpus = cpus;
  return Object.freeze({
    name: top.policy.name,
    description: last((p) => p.description, ''),
    chain: Object.freeze(files.map((f) => Object.freeze({ ...f.source, name: f.policy.name, sha256: f.sha256 }))),
    fs: Object.freeze({ read: access('read'), write: access('write') }),
    env: Object.freeze({
      pass: Object.freeze([...new Set(baseFirst.flatMap((f) => f.policy.env?.pass ?? []))]),
      set: Object.freeze(set),
    }),
    net: last((p) => p.net, false),
    process: Object.freeze({
      childProcess: last((p) => p.process?.childProcess, false),
      workers: last((p) => p.process?.workers, false),
      addons: last((p) => p.process?.addons, false),
    }),
    resources: Object.freeze(resources),
    requires: Object.freeze(uniqueBy(requires, (r) => r.pattern)),
    protect: Object.freeze(
      files.some((f) => f.policy.audit !== undefined) ? [...new Set(baseFirst.flatMap((f) => f.policy.audit?.protect ?? []))] : [...DEFAULT_PROTECT],
    ),
    // Like a deny, isolation is never lowered: an extending policy cannot take it back.
    mode: files.some((f) => f.policy.mode === 'isolate') ? 'isolate' : 'process',
    // The same for the kernel boundary: the strictest setting of the chain holds.
    osLayer: strictestOsLayer(...files.map((f) => f.policy.osLayer)),
    ...osLayerOrigin(files),
  });
}
