/**
 * `policy diff`: what one effective policy grants that another does not, and
 * the reverse, computed exactly on automata (glob-automaton.ts, refa). Pure:
 * reads nothing but the optional Sys, for examples among existing files.
 *
 * The model (documented in the README):
 * - paths are real absolute paths: `/` or `/seg(/seg)*`, each segment
 *   non-empty, not `.` or `..`, without NUL; case-sensitive (Linux);
 * - relative rules are anchored at the workspace's real path; a pattern
 *   matches the workspace root (or `/`) exactly when the engine says so;
 * - Allowed(P, op) = union(allow) ∩ ¬union(deny) ∩ Universe (deny beats allow);
 *   widened = Allowed(new) ∖ Allowed(old), narrowed the reverse;
 * - `{runId}` is one reserved symbol (RUN_ID_SYMBOL) and `{runDir}` is
 *   `<runsDir>/<symbol>` (`runs` unless the options name another run root);
 *   `*` and `**` match the symbol, literal characters, `?` and classes do
 *   not. `runs/**` then covers the sleeve's own run dir and
 *   every other run's: the result holds for every run id that no pattern
 *   tells apart by its spelling. Each printed example is checked with the
 *   engine (compilePolicy(...).decideResolved, both policies) under a fresh
 *   concrete run id; a pattern that tells run ids apart is reported (exit 2),
 *   any other mismatch is a bug (an internal error, never printed).
 * - env.pass: the names newly passed, exactly, over `[A-Za-z_][A-Za-z0-9_]*`,
 *   minus what the runner never passes; env.set: any change counts as a widening
 *   (values steer the sleeve); the other fields compare along their order.
 * - `{batchRunDirs}` (a combine step's batch) is read as `<runsDir>/*`.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import type { DFA } from 'refa';
import { z } from 'zod';
import { compilePolicy } from './engine.js';
import { PolicyError } from './errors.js';
import {
  RUN_ID_SYMBOL,
  UnsupportedGlob,
  dfaOf,
  difference,
  globToRegexSource,
  intersection,
  isDisjointWith,
  nfaOf,
  shortestWords,
  wordOf,
} from './glob-automaton.js';
import { DEFAULT_PROTECT } from './loader.js';
import { BATCH_RUN_DIRS, expandVariables } from './patterns.js';
import { batchRunDirsRule } from './batch-run-dirs.js';
import { DEFAULT_RUNS_DIR, runDirOf } from './runs-dir.js';
import { OS_LAYER_SETTINGS } from './schema.js';
import { type Sys, emptySys } from './sys.js';
import type { FsOp, PatternRule, ResolvedPolicy, RuleOrigin } from './types.js';

const originSchema = z.object({ file: z.string(), line: z.number(), column: z.number(), jsonPath: z.string() });

const ruleRefSchema = z.object({
  /** Which policy the rule is in. */
  side: z.enum(['old', 'new']),
  list: z.string(),
  pattern: z.string(),
  /** added: only in the new policy; dropped: only in the old one; kept: in both. */
  change: z.enum(['added', 'dropped', 'kept']),
  origin: originSchema.optional(),
});

export const diffEntrySchema = z.object({
  field: z.string(),
  /** widen and change count as widenings for the verdict and --fail-on widen. */
  direction: z.enum(['widen', 'narrow', 'change']),
  summary: z.string(),
  old: z.string().optional(),
  new: z.string().optional(),
  /** Shortest example paths (workspace-relative where inside it; `{runId}` for the run id) or names. */
  examples: z.array(z.string()),
  /** Existing files and directories of the workspace in the difference. */
  existing: z.array(z.string()),
  rules: z.array(ruleRefSchema),
});

export const diffResultSchema = z.object({
  verdict: z.enum(['same', 'narrows', 'widens', 'mixed']),
  old: z.object({ name: z.string(), file: z.string().optional() }),
  new: z.object({ name: z.string(), file: z.string().optional() }),
  workspace: z.string(),
  /** The concrete run id every example was verified with. */
  verifiedRunId: z.string(),
  entries: z.array(diffEntrySchema),
});

export type DiffEntry = z.infer<typeof diffEntrySchema>;
export type DiffResult = z.infer<typeof diffResultSchema>;
export type RuleRef = z.infer<typeof ruleRefSchema>;

export interface DiffOptions {
  /** Real absolute workspace path (relative rules are anchored there). */
  workspace: string;
  /** Examples per difference (default 3). */
  examples?: number;
  /** When given, existing files of the workspace in each difference are listed (bounded walk). */
  sys?: Sys;
  /** Variables the runner never passes, whatever env.pass says (runner/batch/env.ts). */
  neverPassed?: { prefixes: readonly string[]; names: readonly string[] };
  /** How a rule's file is named in summaries (e.g. relative to the repository); default: as loaded. */
  fileLabel?: (file: string) => string;
  /** Workspace-relative run root: `{runDir}` is `<runsDir>/ρ` (default `runs`). */
  runsDir?: string;
}

/** What runner/batch/env.ts drops from the parent before env.pass applies. */
export const DEFAULT_NEVER_PASSED = Object.freeze({ prefixes: ['NODE_'], names: ['UV_THREADPOOL_SIZE'] });

/** The baseline for a policy file that did not exist: nothing allowed, everything off, the strictest limits. */
export function emptyPolicy(name: string): ResolvedPolicy {
  return Object.freeze({
    name,
    description: 'no policy (the file did not exist)',
    chain: [],
    fs: { read: { allow: [], deny: [] }, write: { allow: [], deny: [] } },
    env: { pass: [], set: {} },
    net: false,
    process: { childProcess: false, workers: false, addons: false },
    resources: { memoryMiB: 0, timeoutSeconds: 0, cpus: 0 },
    requires: [],
    protect: [...DEFAULT_PROTECT],
    mode: 'isolate',
    osLayer: 'required',
  });
}

const RHO = RUN_ID_SYMBOL;
const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const esc = (text: string) => [...Array(text.length).keys()].map((i) => hex(text.charCodeAt(i))).join('');
const codes = (s: string) => [...s].map((c) => c.charCodeAt(0));
const PATH_PREFER = codes(`/xabcdefghijklmnopqrstuvwyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._-${RHO}`);
const NAME_PREFER = codes('XABCDEFGHIJKLMNOPQRSTUVWYZ_0123456789abcdefghijklmnopqrstuvwxyz');
const SEG = '(?:[^/\\u0000.][^/\\u0000]*|\\.[^/\\u0000.][^/\\u0000]*|\\.\\.[^/\\u0000]+)';
const UNIVERSE = `(?:/|(?:/${SEG})+)`;
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const NOTHING = '[]';

/** A Sys for the engine on already-real paths: nothing is read. */
const PURE_SYS: Sys = emptySys();

function unsupported(rule: PatternRule, list: string, error: UnsupportedGlob): PolicyError {
  return new PolicyError([
    {
      ...rule.origin,
      jsonPath: rule.origin.jsonPath || list,
      level: 'error',
      message: `policy diff cannot compare the pattern ${JSON.stringify(rule.pattern)} exactly: ${error.construct}; ${error.fix}`,
    },
  ]);
}

interface RuleLang {
  rule: PatternRule;
  list: string;
  source: string;
}

/** A run id for verification: letters no pattern spells, so no literal of a pattern can match it. */
function freshRunId(policies: readonly ResolvedPolicy[]): string {
  const used = new Set<string>();
  for (const p of policies) {
    for (const op of ['read', 'write'] as const) for (const r of [...p.fs[op].allow, ...p.fs[op].deny]) for (const c of r.pattern) used.add(c);
  }
  const free = [...'QZJKVWXYqzjkvwxy0123456789GHPRUBCDEFLMNOST'].filter((c) => !used.has(c));
  const chars = free.length > 0 ? free : ['Q'];
  let id = '';
  for (let i = 0; id.length < 24; i++) id += chars[i % chars.length];
  return /^[A-Za-z0-9]/.test(id) ? id : `Q${id.slice(1)}`;
}

class Differ {
  readonly n: number;
  readonly fileLabel: (file: string) => string;
  readonly ws: string;
  readonly runId: string;
  readonly runsDir: string;
  readonly universe: DFA;
  readonly engines: Record<'old' | 'new', ReturnType<typeof compilePolicy>>;

  constructor(
    readonly oldP: ResolvedPolicy,
    readonly newP: ResolvedPolicy,
    readonly options: DiffOptions,
  ) {
    this.n = options.examples ?? 3;
    this.fileLabel = options.fileLabel ?? ((file) => file);
    this.ws = options.workspace;
    this.runId = freshRunId([oldP, newP]);
    this.runsDir = options.runsDir ?? DEFAULT_RUNS_DIR;
    this.universe = dfaOf(nfaOf(UNIVERSE));
    const compile = (p: ResolvedPolicy) => compilePolicy(p, { workspace: this.ws, runId: this.runId, runsDir: this.runsDir, sys: PURE_SYS });
    this.engines = { old: compile(oldP), new: compile(newP) };
  }

  /** The language of one fs rule over absolute paths. */
  ruleLang(rule: PatternRule, op: FsOp, list: string): RuleLang {
    if (rule.pattern.includes(RHO)) {
      throw new PolicyError([
        {
          ...rule.origin,
          level: 'error',
          message: `the pattern holds U+E000, which policy diff reserves for the run id; write the character as a class or remove it`,
        },
      ]);
    }
    const expanded = expandVariables(rule.pattern, { runDir: runDirOf(this.runsDir, RHO), runId: RHO });
    const absolute = expanded.startsWith('/');
    let source: string;
    try {
      source = globToRegexSource(absolute ? expanded.slice(1) : expanded);
    } catch (error) {
      if (error instanceof UnsupportedGlob) throw unsupported(rule, list, error);
      throw error;
    }
    const root = absolute ? '/' : this.ws;
    const prefix = absolute || this.ws === '/' ? '' : esc(this.ws);
    // The root itself (the workspace for a relative rule, "/" for an absolute one): ask the engine.
    const one = { allow: [rule], deny: [] };
    const probe = compilePolicy(
      { ...this.newP, name: 'probe', fs: { read: op === 'read' ? one : { allow: [], deny: [] }, write: op === 'write' ? one : { allow: [], deny: [] } } },
      { workspace: this.ws, runId: this.runId, runsDir: this.runsDir, sys: PURE_SYS },
    );
    const rootToo = probe.decideResolved(op, root).allowed;
    return { rule, list, source: rootToo ? `(?:${prefix}(?:${source})|${esc(root)})` : `${prefix}(?:${source})` };
  }

  allowed(langs: { allow: RuleLang[]; deny: RuleLang[] }): DFA {
    const union = (xs: RuleLang[]) => (xs.length === 0 ? NOTHING : xs.map((x) => `(?:${x.source})`).join('|'));
    const allow = intersection(this.universe, dfaOf(nfaOf(union(langs.allow))));
    if (langs.deny.length === 0) return allow;
    return difference(allow, dfaOf(nfaOf(union(langs.deny))));
  }

  display(word: string): string {
    const shown = word.split(RHO).join('{runId}');
    if (word === this.ws) return '.';
    const prefix = this.ws === '/' ? '/' : `${this.ws}/`;
    return word.startsWith(prefix) ? shown.slice(prefix.length) : shown;
  }

  /** Checks an example with the engine: allowed by `more`, denied by `less`. */
  verify(op: FsOp, word: string, more: 'old' | 'new', langs: Record<'old' | 'new', { allow: RuleLang[]; deny: RuleLang[] }>): void {
    const concrete = word.split(RHO).join(this.runId);
    const less = more === 'new' ? 'old' : 'new';
    if (this.engines[more].decideResolved(op, concrete).allowed && !this.engines[less].decideResolved(op, concrete).allowed) return;
    // Which rule reads differently in the model and under the concrete run id?
    for (const side of ['old', 'new'] as const) {
      for (const kind of ['allow', 'deny'] as const) {
        for (const l of langs[side][kind]) {
          const model = dfaOf(nfaOf(l.source)).test(wordOf(word));
          const one = { allow: [l.rule], deny: [] };
          const probe = compilePolicy(
            { ...this.newP, name: 'probe', fs: { read: op === 'read' ? one : { allow: [], deny: [] }, write: op === 'write' ? one : { allow: [], deny: [] } } },
            { workspace: this.ws, runId: this.runId, runsDir: this.runsDir, sys: PURE_SYS },
          );
          if (model !== probe.decideResolved(op, concrete).allowed) {
            throw new PolicyError([
              {
                ...l.rule.origin,
                level: 'error',
                message: `the pattern ${JSON.stringify(l.rule.pattern)} tells run ids apart by their spelling (it decides ${this.display(word)} differently for the run id ${this.runId}): policy diff treats the run id as unknown text that only *, **, {runDir} and {runId} match; write the rule with {runDir}/{runId} or *`,
              },
            ]);
          }
        }
      }
    }
    throw new Error(`policy diff: internal error: the example ${concrete} (fs.${op}) does not verify with the engine`);
  }

  /** Existing files and directories (real paths, no symlinks) under the workspace, breadth first. */
  existing(): string[] {
    const sys = this.options.sys;
    if (!sys) return [];
    const out: string[] = [this.ws];
    const queue = [this.ws];
    const dirs: string[] = [this.ws];
    const LIMIT = 20_000;
    while (queue.length > 0 && out.length < LIMIT) {
      const dir = queue.shift() as string;
      let entries: Array<{ name: string; kind: string }>;
      try {
        entries = sys.readdir(dir).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.kind === 'symlink' || e.name === 'node_modules' || e.name === '.git') continue;
        const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
        out.push(p);
        if (e.kind === 'dir') {
          queue.push(p);
          dirs.push(p);
        }
        if (out.length >= LIMIT) break;
      }
    }
    // Files first (what a reviewer looks for), then directories; each breadth first.
    const isDir = new Set(dirs);
    return [...out.filter((p) => !isDir.has(p)), ...out.filter((p) => isDir.has(p))];
  }

  private existingCache: string[] | undefined;

  fsLanguages(op: FsOp) {
    const langs = {
      old: {
        allow: this.oldP.fs[op].allow.map((r) => this.ruleLang(r, op, `fs.${op}.allow`)),
        deny: this.oldP.fs[op].deny.map((r) => this.ruleLang(r, op, `fs.${op}.deny`)),
      },
      new: {
        allow: this.newP.fs[op].allow.map((r) => this.ruleLang(r, op, `fs.${op}.allow`)),
        deny: this.newP.fs[op].deny.map((r) => this.ruleLang(r, op, `fs.${op}.deny`)),
      },
    };
    return { langs, allowed: { old: this.allowed(langs.old), new: this.allowed(langs.new) } };
  }

  fsEntries(op: FsOp): DiffEntry[] {
    const { langs, allowed: a } = this.fsLanguages(op);
    const out: DiffEntry[] = [];
    for (const more of ['new', 'old'] as const) {
      const less = more === 'new' ? 'old' : 'new';
      const diff = difference(a[more], a[less]);
      if (diff.isEmpty) continue;
      const words = shortestWords(diff, this.n, PATH_PREFER);
      for (const w of words) this.verify(op, w, more, langs);
      this.existingCache ??= this.existing();
      const existing = this.existingCache.filter((p) => diff.test(wordOf(p))).slice(0, this.n);
      for (const w of existing) this.verify(op, w, more, langs);
      const meets = (l: RuleLang) => !isDisjointWith(nfaOf(l.source), diff);
      const patterns = (side: 'old' | 'new', kind: 'allow' | 'deny') => new Set(langs[side][kind].map((l) => l.rule.pattern));
      const rules: RuleRef[] = [];
      const ref = (side: 'old' | 'new', kind: 'allow' | 'deny', l: RuleLang): RuleRef => {
        const other = patterns(side === 'old' ? 'new' : 'old', kind);
        const change = other.has(l.rule.pattern) ? 'kept' : side === 'new' ? 'added' : 'dropped';
        return { side, list: l.list, pattern: l.rule.pattern, change, origin: { ...l.rule.origin } };
      };
      // Widened: the allows of the wider policy that reach it, the denies of the narrower one it lost.
      for (const l of langs[more].allow) if (meets(l)) rules.push(ref(more, 'allow', l));
      for (const l of langs[less].deny) if (meets(l)) rules.push(ref(less, 'deny', l));
      // An existing path is the better example: a shortest word already listed there is not repeated.
      const shown = words.filter((w) => !existing.includes(w)).map((w) => this.display(w));
      const direction = more === 'new' ? 'widen' : 'narrow';
      const because = rules
        .filter((r) => r.change !== 'kept' || r.list.endsWith('allow'))
        .map(
          (r) =>
            `${r.change === 'dropped' ? 'dropping ' : ''}${r.list.endsWith('deny') ? 'deny' : 'allow'} ${JSON.stringify(r.pattern)}${r.origin ? ` (${this.fileLabel(r.origin.file)}:${r.origin.line}:${r.origin.column})` : ''}`,
        );
      out.push({
        field: `fs.${op}`,
        direction,
        summary: `fs.${op} ${direction === 'widen' ? 'widened' : 'narrowed'}${because.length > 0 ? ` by ${because.join(', ')}` : ''}`,
        examples: shown,
        existing: existing.map((w) => this.display(w)),
        rules,
      });
    }
    return out;
  }

  envEntries(): DiffEntry[] {
    const never = this.options.neverPassed ?? DEFAULT_NEVER_PASSED;
    const src = (p: string) => (p === '*' ? NAME : p.endsWith('*') ? `${esc(p.slice(0, -1))}[A-Za-z0-9_]*` : esc(p));
    const neverSrc = [...never.prefixes.map((p) => `${esc(p)}[A-Za-z0-9_]*`), ...never.names.map(esc)].join('|') || NOTHING;
    const names = dfaOf(nfaOf(NAME));
    const neverDfa = dfaOf(nfaOf(neverSrc));
    const visible = (pass: readonly string[]) => difference(intersection(names, dfaOf(nfaOf(pass.length === 0 ? NOTHING : pass.map(src).join('|')))), neverDfa);
    const passes = (pass: readonly string[], name: string) =>
      !never.names.includes(name) &&
      !never.prefixes.some((p) => name.startsWith(p)) &&
      pass.some((p) => (p === '*' ? true : p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
    const v = { old: visible(this.oldP.env.pass), new: visible(this.newP.env.pass) };
    const pass = { old: this.oldP.env.pass, new: this.newP.env.pass };
    const out: DiffEntry[] = [];
    for (const more of ['new', 'old'] as const) {
      const less = more === 'new' ? 'old' : 'new';
      const diff = difference(v[more], v[less]);
      if (diff.isEmpty) continue;
      const words = shortestWords(diff, this.n, NAME_PREFER);
      for (const w of words) {
        if (!(passes(pass[more], w) && !passes(pass[less], w))) throw new Error(`policy diff: internal error: the env example ${w} does not verify`);
      }
      const responsible = pass[more].filter((p) => !isDisjointWith(nfaOf(src(p)), diff));
      const direction = more === 'new' ? 'widen' : 'narrow';
      out.push({
        field: 'env.pass',
        direction,
        summary: `env.pass ${direction === 'widen' ? 'passes more names' : 'passes fewer names'}: ${responsible.map((p) => JSON.stringify(p)).join(', ')} ${more === 'new' ? 'added' : 'dropped'}`,
        old: JSON.stringify(pass.old),
        new: JSON.stringify(pass.new),
        examples: words,
        existing: [],
        rules: responsible.map((p) => ({
          side: more,
          list: 'env.pass',
          pattern: p,
          change: pass[less].includes(p) ? 'kept' : more === 'new' ? 'added' : 'dropped',
        })),
      });
    }
    const keys = [...new Set([...Object.keys(this.oldP.env.set), ...Object.keys(this.newP.env.set)])].sort();
    for (const key of keys) {
      const o = Object.hasOwn(this.oldP.env.set, key) ? this.oldP.env.set[key] : undefined;
      const n = Object.hasOwn(this.newP.env.set, key) ? this.newP.env.set[key] : undefined;
      if (o === n) continue;
      const what = o === undefined ? 'added' : n === undefined ? 'removed' : 'changed';
      out.push({
        field: 'env.set',
        direction: 'change',
        summary: `env.set ${key} ${what}: ${o === undefined ? 'unset' : JSON.stringify(o)} -> ${n === undefined ? 'unset' : JSON.stringify(n)}`,
        ...(o === undefined ? {} : { old: o }),
        ...(n === undefined ? {} : { new: n }),
        examples: [key],
        existing: [],
        rules: [],
      });
    }
    return out;
  }

  scalarEntries(): DiffEntry[] {
    const out: DiffEntry[] = [];
    const o = this.oldP;
    const n = this.newP;
    const flag = (field: string, a: boolean, b: boolean) => {
      if (a === b) return;
      out.push({
        field,
        direction: b ? 'widen' : 'narrow',
        summary: `${field}: ${a} -> ${b}`,
        old: String(a),
        new: String(b),
        examples: [],
        existing: [],
        rules: [],
      });
    };
    flag('net', o.net, n.net);
    flag('process.childProcess', o.process.childProcess, n.process.childProcess);
    flag('process.workers', o.process.workers, n.process.workers);
    flag('process.addons', o.process.addons, n.process.addons);
    const UNSET: Record<string, string> = {
      memoryMiB: "unset (no policy limit: node's default heap in process mode, 2048 MiB in isolate mode)",
      timeoutSeconds: 'unset (no policy limit: the sleeve runs until it ends)',
      cpus: 'unset (no policy share)',
    };
    for (const key of ['memoryMiB', 'timeoutSeconds', 'cpus'] as const) {
      const a = o.resources[key];
      const b = n.resources[key];
      if (a === b) continue;
      const av = a ?? Number.POSITIVE_INFINITY;
      const bv = b ?? Number.POSITIVE_INFINITY;
      const show = (v: number | undefined) => (v === undefined ? UNSET[key] : String(v));
      out.push({
        field: `resources.${key}`,
        direction: bv > av ? 'widen' : 'narrow',
        summary: `resources.${key}: ${show(a)} -> ${show(b)}`,
        old: show(a),
        new: show(b),
        examples: [],
        existing: [],
        rules: [],
      });
    }
    if (o.mode !== n.mode) {
      out.push({
        field: 'mode',
        direction: n.mode === 'process' ? 'widen' : 'narrow',
        summary: `mode: ${o.mode} -> ${n.mode}`,
        old: o.mode,
        new: n.mode,
        examples: [],
        existing: [],
        rules: [],
      });
    }
    if (o.osLayer !== n.osLayer) {
      const lower = OS_LAYER_SETTINGS.indexOf(n.osLayer) < OS_LAYER_SETTINGS.indexOf(o.osLayer);
      out.push({
        field: 'osLayer',
        direction: lower ? 'widen' : 'narrow',
        summary: `osLayer: ${o.osLayer} -> ${n.osLayer}`,
        old: o.osLayer,
        new: n.osLayer,
        examples: [],
        existing: [],
        rules: [],
      });
    }
    const req = (p: ResolvedPolicy) => new Set(p.requires.map((r) => r.pattern));
    const [ro, rn] = [req(o), req(n)];
    const dropped = o.requires.filter((r) => !rn.has(r.pattern));
    const added = n.requires.filter((r) => !ro.has(r.pattern));
    if (dropped.length > 0) {
      out.push({
        field: 'requires',
        direction: 'widen',
        summary: `requires no longer checks ${dropped.map((r) => JSON.stringify(r.pattern)).join(', ')} (less health checking)`,
        examples: dropped.map((r) => r.pattern),
        existing: [],
        rules: dropped.map((r) => ({ side: 'old', list: 'requires', pattern: r.pattern, change: 'dropped', origin: { ...r.origin } })),
      });
    }
    if (added.length > 0) {
      out.push({
        field: 'requires',
        direction: 'narrow',
        summary: `requires now checks ${added.map((r) => JSON.stringify(r.pattern)).join(', ')}`,
        examples: added.map((r) => r.pattern),
        existing: [],
        rules: added.map((r) => ({ side: 'new', list: 'requires', pattern: r.pattern, change: 'added', origin: { ...r.origin } })),
      });
    }
    return out;
  }

  protectEntries(): DiffEntry[] {
    const lang = (p: ResolvedPolicy) => {
      const sources = p.protect.map((pattern) => {
        const rule: PatternRule = { pattern, origin: { file: p.chain[0]?.file ?? p.name, line: 1, column: 1, jsonPath: 'audit.protect' } };
        if (pattern.startsWith('/')) {
          throw unsupported(
            rule,
            'audit.protect',
            new UnsupportedGlob(
              `the absolute pattern ${JSON.stringify(pattern)} (the auditor matches workspace-relative paths)`,
              'write it relative to the workspace',
            ),
          );
        }
        try {
          return `${this.ws === '/' ? '' : esc(this.ws)}(?:${globToRegexSource(pattern)})`;
        } catch (error) {
          if (error instanceof UnsupportedGlob) throw unsupported(rule, 'audit.protect', error);
          throw error;
        }
      });
      // No run id here: the auditor's globs hold no variables (they would be refused above).
      return intersection(
        intersection(this.universe, dfaOf(nfaOf(`[^${hex(RHO.charCodeAt(0))}]*`))),
        dfaOf(nfaOf(sources.length === 0 ? NOTHING : sources.join('|'))),
      );
    };
    const l = { old: lang(this.oldP), new: lang(this.newP) };
    const out: DiffEntry[] = [];
    const prefix = this.ws === '/' ? '/' : `${this.ws}/`;
    // What the auditor does: picomatch(protect, { dot: true }) on workspace-relative paths.
    const hashed = (p: ResolvedPolicy, word: string) =>
      word.startsWith(prefix) && p.protect.length > 0 && picomatch(p.protect as string[], { dot: true })(word.slice(prefix.length));
    for (const fewer of ['new', 'old'] as const) {
      const more = fewer === 'new' ? 'old' : 'new';
      const diff = difference(l[more], l[fewer]);
      if (diff.isEmpty) continue;
      const words = shortestWords(diff, this.n, PATH_PREFER);
      const pm = { old: this.oldP, new: this.newP };
      for (const w of words) {
        if (!(hashed(pm[more], w) && !hashed(pm[fewer], w))) throw new Error(`policy diff: internal error: the audit.protect example ${w} does not verify`);
      }
      this.existingCache ??= this.existing();
      const existing = this.existingCache.filter((p) => diff.test(wordOf(p))).slice(0, this.n);
      const direction = fewer === 'new' ? 'widen' : 'narrow';
      out.push({
        field: 'audit.protect',
        direction,
        summary: `audit.protect ${direction === 'widen' ? 'hashes less (no longer protected)' : 'hashes more (newly protected)'}`,
        old: JSON.stringify(this.oldP.protect),
        new: JSON.stringify(this.newP.protect),
        examples: words.filter((w) => !existing.includes(w)).map((w) => this.display(w)),
        existing: existing.map((w) => this.display(w)),
        rules: [],
      });
    }
    return out;
  }
}

/** Compares two effective policies. Throws PolicyError (exit 2) for a pattern it cannot compare exactly. */
/**
 * `{batchRunDirs}` names the run dirs of one batch, decided when it is
 * planned: the diff reads it as every directory of the run root (`<runsDir>/*`),
 * which holds for any batch (conservative: a combine step's new read rule
 * shows as reaching other runs' directories, which it does).
 */
function anyRunDirForBatch(policy: ResolvedPolicy, runsDir: string): ResolvedPolicy {
  if (batchRunDirsRule(policy) === undefined) return policy;
  const any = (rules: readonly PatternRule[]) =>
    rules.map((r) => (r.pattern.includes(BATCH_RUN_DIRS) ? { ...r, pattern: `${runsDir}/*${r.pattern.slice(BATCH_RUN_DIRS.length)}` } : r));
  const bind = (a: ResolvedPolicy['fs']['read']) => ({ allow: any(a.allow), deny: any(a.deny) });
  return { ...policy, fs: { read: bind(policy.fs.read), write: bind(policy.fs.write) } };
}

export function diffPolicies(oldPolicy: ResolvedPolicy, newPolicy: ResolvedPolicy, options: DiffOptions): DiffResult {
  if (!path.isAbsolute(options.workspace)) throw new Error(`diffPolicies: the workspace must be absolute, got ${options.workspace}`);
  const runsDir = options.runsDir ?? DEFAULT_RUNS_DIR;
  const d = new Differ(anyRunDirForBatch(oldPolicy, runsDir), anyRunDirForBatch(newPolicy, runsDir), options);
  const entries = [...d.fsEntries('read'), ...d.fsEntries('write'), ...d.envEntries(), ...d.scalarEntries(), ...d.protectEntries()];
  const wider = entries.some((e) => e.direction !== 'narrow');
  const narrower = entries.some((e) => e.direction === 'narrow');
  const verdict = wider && narrower ? 'mixed' : wider ? 'widens' : narrower ? 'narrows' : 'same';
  const fileOf = (p: ResolvedPolicy) => (p.chain[0] ? { file: p.chain[0].file } : {});
  return {
    verdict,
    old: { name: oldPolicy.name, ...fileOf(oldPolicy) },
    new: { name: newPolicy.name, ...fileOf(newPolicy) },
    workspace: options.workspace,
    verifiedRunId: d.runId,
    entries,
  };
}

/**
 * The exact sets behind the fs entries, as DFAs over absolute paths (the run
 * id as RUN_ID_SYMBOL): for tests and tools that test membership themselves.
 */
export function fsDifferences(oldPolicy: ResolvedPolicy, newPolicy: ResolvedPolicy, op: FsOp, options: DiffOptions): { widened: DFA; narrowed: DFA } {
  const { allowed } = new Differ(oldPolicy, newPolicy, options).fsLanguages(op);
  return { widened: difference(allowed.new, allowed.old), narrowed: difference(allowed.old, allowed.new) };
}

/** True when the result holds anything that widens (a change included): what --fail-on widen fails on. */
export function widens(result: DiffResult): boolean {
  return result.verdict === 'widens' || result.verdict === 'mixed';
}

export type { RuleOrigin };
