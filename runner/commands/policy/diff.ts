/**
 * `policy diff <old> <new>` and `policy diff --base <rev> <file...>`: the
 * effective policies compared exactly (policies/diff.ts). This module reads:
 * the files, and for --base the files at a git revision through a Sys that
 * answers from `git show` / `git cat-file` / `git ls-tree`, so the loader
 * follows the base's whole extends chain at that revision unchanged
 * (built-ins come from the installed package). A file absent at the base is
 * a new policy: it is compared with the empty policy, so all it grants widens.
 *
 * Exit: 0; 3 with --fail-on widen when anything widens (a change included);
 * 2 on bad input (unknown policy, bad JSON, bad revision, a pattern the diff
 * cannot compare exactly).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_POLICY_DIR } from '../../../policies/builtin.js';
import { type DiffEntry, type DiffResult, DEFAULT_NEVER_PASSED, diffPolicies, emptyPolicy, widens } from '../../../policies/diff.js';
import { EXIT, UsageError } from '../../../policies/errors.js';
import { loadPolicy } from '../../../policies/loader.js';
import { DEFAULT_RUNS_DIR } from '../../../policies/runs-dir.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import type { FileKind, Sys } from '../../../policies/sys.js';
import type { ResolvedPolicy } from '../../../policies/types.js';
import type { Io } from '../../io.js';
import { FORBIDDEN_ENV } from '../../batch/env.js';
import { runsDirFlag } from '../../batch/runs-dir.js';

export type DiffFormat = 'text' | 'json' | 'markdown';

export interface DiffCommandOptions {
  /** `<old> <new>`, or with `base` the files to compare with their base version. */
  refs: string[];
  base?: string;
  workspace: string;
  examples: number;
  format: DiffFormat;
  failOn?: 'widen';
  /** The run root: `{runDir}` is `<runsDir>/ρ` (`--runs-dir`, default `runs`). */
  runsDir?: string;
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function gitOk(args: string[], cwd: string): boolean {
  try {
    git(args, cwd);
    return true;
  } catch {
    return false;
  }
}

/**
 * A Sys that serves the files of the repository at `rev` (paths under the
 * repository's top level) and the real file system elsewhere (the installed
 * built-ins). Read-only; there are no symlinks at a revision as far as the
 * loader is concerned.
 */
export function gitRevisionSys(top: string, rev: string, cwd: string): Sys {
  const real = createNodeSys(undefined, () => cwd);
  const builtins = path.resolve(BUILTIN_POLICY_DIR);
  const inRepo = (p: string) => {
    const abs = path.resolve(cwd, p);
    if (abs === builtins || abs.startsWith(`${builtins}${path.sep}`)) return undefined;
    const rel = path.relative(top, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join('/');
  };
  const typeOf = (rel: string): FileKind | undefined => {
    try {
      const t = git(['cat-file', '-t', `${rev}:${rel}`], top).trim();
      return t === 'tree' ? 'dir' : t === 'blob' ? 'file' : 'other';
    } catch {
      return undefined;
    }
  };
  return Object.freeze({
    cwd: () => cwd,
    caseInsensitive: false,
    realpath(p: string) {
      const rel = inRepo(p);
      if (rel === undefined) return real.realpath(p);
      if (rel !== '' && typeOf(rel) === undefined) throw Object.assign(new Error(`ENOENT: ${p} at ${rev}`), { code: 'ENOENT' });
      return path.resolve(cwd, p);
    },
    lstat(p: string) {
      const rel = inRepo(p);
      if (rel === undefined) return real.lstat(p);
      return rel === '' ? 'dir' : typeOf(rel);
    },
    readlink(p: string) {
      return real.readlink(p);
    },
    readdir(p: string) {
      const rel = inRepo(p);
      if (rel === undefined) return real.readdir(p);
      let listing: string;
      try {
        listing = git(['ls-tree', '-z', `${rev}:${rel}`], top);
      } catch {
        throw Object.assign(new Error(`ENOENT: ${p} at ${rev}`), { code: 'ENOENT' });
      }
      return listing
        .split('\0')
        .filter((line) => line !== '')
        .map((line) => {
          const [meta, name] = line.split('\t') as [string, string];
          const type = meta.split(' ')[1];
          return { name, kind: (type === 'tree' ? 'dir' : type === 'blob' ? 'file' : 'other') as FileKind };
        });
    },
    readFile(p: string) {
      const rel = inRepo(p);
      if (rel === undefined) return real.readFile(p);
      try {
        return git(['show', `${rev}:${rel}`], top);
      } catch {
        throw Object.assign(new Error(`ENOENT: ${p} at ${rev}`), { code: 'ENOENT' });
      }
    },
    sizeOf(p: string) {
      const rel = inRepo(p);
      if (rel === undefined) return real.sizeOf(p);
      const kind = typeOf(rel);
      return kind === undefined ? undefined : 1;
    },
  });
}

function realWorkspace(workspace: string): string {
  try {
    return fs.realpathSync.native(workspace);
  } catch (error) {
    throw new UsageError(
      `workspace ${workspace} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'}): pass an existing directory with --workspace`,
    );
  }
}

interface Pair {
  label: string;
  old: ResolvedPolicy;
  new: ResolvedPolicy;
}

function pairsFor(opts: DiffCommandOptions, io: Io, workspace: string): Pair[] {
  const sys = createNodeSys(undefined, () => io.cwd);
  const load = (ref: string, s: Sys = sys) => loadPolicy(ref, { workspace, sys: s }).policy;
  if (opts.base === undefined) {
    if (opts.refs.length !== 2) {
      throw new UsageError(
        `policy diff takes two policies, <old> <new> (got ${opts.refs.length}); or --base <git-rev> <file...> to compare files with a revision`,
      );
    }
    const [a, b] = opts.refs as [string, string];
    return [{ label: `${a} -> ${b}`, old: load(a), new: load(b) }];
  }
  if (opts.refs.length === 0) throw new UsageError('policy diff --base <git-rev> needs at least one policy file to compare');
  let top: string;
  try {
    top = fs.realpathSync.native(git(['rev-parse', '--show-toplevel'], io.cwd).trim());
  } catch {
    throw new UsageError(
      `policy diff --base: ${io.cwd} is not inside a git repository (git rev-parse --show-toplevel failed); run it from the repository, or compare two files: policy diff <old> <new>`,
    );
  }
  if (!/^[^-]/.test(opts.base) || !gitOk(['rev-parse', '--verify', '--quiet', `${opts.base}^{commit}`], top)) {
    throw new UsageError(
      `policy diff --base: unknown revision ${JSON.stringify(opts.base)} in ${top}; give a commit, branch or tag (e.g. origin/main, HEAD~1), and fetch it first in a shallow CI checkout`,
    );
  }
  const rev = git(['rev-parse', '--verify', `${opts.base}^{commit}`], top).trim();
  const cwdReal = fs.realpathSync.native(io.cwd);
  const baseSys = gitRevisionSys(top, rev, cwdReal);
  return opts.refs.map((file) => {
    const current = load(file);
    const abs = path.resolve(cwdReal, file);
    const rel = path.relative(top, abs).split(path.sep).join('/');
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UsageError(`policy diff --base: ${file} is outside the repository ${top}; give a file of the repository`);
    }
    const existed = gitOk(['cat-file', '-e', `${rev}:${rel}`], top);
    const old = existed ? loadPolicy(file, { workspace, sys: baseSys }).policy : emptyPolicy(current.name);
    return { label: `${file} (${opts.base}${existed ? '' : ': new file'} -> working tree)`, old, new: current };
  });
}

export async function diffCommand(opts: DiffCommandOptions, io: Io): Promise<number> {
  if (!Number.isInteger(opts.examples) || opts.examples < 0 || opts.examples > 100) {
    throw new UsageError(`expected --examples to be a whole number from 0 to 100, got ${opts.examples}`);
  }
  const runsDir = runsDirFlag(opts.runsDir);
  const workspace = realWorkspace(opts.workspace);
  const pairs = pairsFor(opts, io, workspace);
  const sys = createNodeSys(undefined, () => io.cwd);
  const neverPassed = { prefixes: DEFAULT_NEVER_PASSED.prefixes, names: [...FORBIDDEN_ENV] };
  const results = pairs.map((p) => ({
    label: p.label,
    result: diffPolicies(p.old, p.new, { workspace, examples: opts.examples, sys, neverPassed, runsDir, fileLabel: (file) => relativeLabel(io.cwd, file) }),
  }));
  if (opts.format === 'json') {
    const out =
      results.length === 1 && opts.base === undefined
        ? (results[0] as { result: DiffResult }).result
        : { diffs: results.map((r) => ({ label: r.label, ...r.result })) };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else if (opts.format === 'markdown') {
    io.stdout(results.map((r) => formatMarkdown(r.label, r.result, runsDir)).join('\n'));
  } else {
    io.stdout(results.map((r) => formatText(r.label, r.result, runsDir)).join('\n'));
  }
  if (opts.failOn === 'widen' && results.some((r) => widens(r.result))) return EXIT.denied;
  return EXIT.ok;
}

/** Marks an fs example under another run's directory (<runsDir>/<name> where name is not {runId}). */
function annotate(e: DiffEntry, shown: string, runsDir: string): string {
  const name = shown.startsWith(`${runsDir}/`) ? /^([^/]+)\//.exec(shown.slice(runsDir.length + 1))?.[1] : undefined;
  return e.field.startsWith('fs.') && name !== undefined && name !== '{runId}' ? `${shown} (another run's directory)` : shown;
}

function where(e: DiffEntry, runsDir: string): string[] {
  const lines: string[] = [];
  const label = e.field === 'env.pass' ? 'names' : e.field.startsWith('fs.') || e.field === 'audit.protect' || e.field === 'requires' ? 'paths' : 'keys';
  if (e.examples.length > 0) lines.push(`${label}: ${e.examples.map((x) => annotate(e, x, runsDir)).join(', ')}`);
  if (e.existing.length > 0) lines.push(`existing: ${e.existing.join(', ')}`);
  return lines;
}

export function formatText(label: string, r: DiffResult, runsDir: string = DEFAULT_RUNS_DIR): string {
  const lines = [`policy diff ${label}: ${r.verdict}`];
  if (r.entries.length === 0) lines.push('  the effective policies grant the same (fs, env, net, process, resources, mode, osLayer, requires, audit.protect)');
  for (const e of r.entries) {
    const tag = e.direction === 'narrow' ? 'narrow' : e.direction === 'change' ? 'change' : 'widen ';
    lines.push(`  ${tag} ${e.summary}`);
    for (const l of where(e, runsDir)) lines.push(`         ${l}`);
  }
  if (r.entries.some((e) => e.direction === 'change')) lines.push('  (a change of env.set counts as a widening: the values steer the sleeve)');
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

export function formatMarkdown(label: string, r: DiffResult, runsDir: string = DEFAULT_RUNS_DIR): string {
  const lines = [`## policy diff: ${cell(label)}: **${r.verdict}**`, ''];
  const wider = r.entries.filter((e) => e.direction !== 'narrow');
  const narrower = r.entries.filter((e) => e.direction === 'narrow');
  const table = (entries: DiffEntry[]) => {
    lines.push('| Field | What | Examples |', '| --- | --- | --- |');
    for (const e of entries) {
      const ex = [
        ...e.examples.map((x) => code(x) + (annotate(e, x, runsDir) === x ? '' : " (another run's directory)")),
        ...e.existing.map((x) => `${code(x)} (exists)`),
      ].join(', ');
      lines.push(`| ${code(e.field)} | ${cell(e.summary)} | ${cell(ex) || ' '} |`);
    }
    lines.push('');
  };
  if (r.entries.length === 0) lines.push('The effective policies grant the same.', '');
  if (wider.length > 0) {
    lines.push('### Widened', '');
    table(wider);
  }
  if (narrower.length > 0) {
    lines.push('### Narrowed', '');
    table(narrower);
  }
  return `${lines.join('\n')}\n`;
}

/** A file inside the invoking directory by its relative path (what a reviewer sees in the PR), else as loaded. */
function relativeLabel(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}
