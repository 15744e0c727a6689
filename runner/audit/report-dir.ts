/**
 * Where the reports go, decided and made by the runner before the first
 * sleeve starts, so that no sleeve can squat on it, swap it, or make the
 * auditor blind by having it excluded.
 *
 * The report dir is left out of the auditor's scope (it changes during the
 * batch), so it must not hold anything the audit is about: it may not lie in
 * or contain a protected zone, the run root, or the workspace root, and no
 * sleeve may write anything in it. `reportDirProblem` is the pure rule (tested
 * in-process); `prepareReportDir` makes the directory, owned by the runner and
 * not writable by others, or refuses one that is a link.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPolicy } from '../../policies/engine.js';
import { expandVariables, isWithin, patternBase } from '../../policies/patterns.js';
import type { ResolvedPolicy } from '../../policies/types.js';

export interface ReportDirFacts {
  /** Absolute, normalised (the real path of its deepest existing ancestor, plus the rest). */
  dir: string;
  workspace: string;
  /** Workspace-relative run root (`runs`). */
  runsDir: string;
  /** Workspace-relative protect globs of every policy of the batch. */
  protect: readonly string[];
  sleeves: ReadonlyArray<{ name: string; runId: string; runDir: string; policy: ResolvedPolicy; engine: CompiledPolicy }>;
  /** How the user named it, for messages. */
  flag: string;
}

const rel = (workspace: string, p: string) => path.relative(workspace, p).split(path.sep).join('/');
const overlaps = (a: string, b: string) => isWithin(a, b) || isWithin(b, a);

/** Why this report dir cannot be used, or undefined. */
export function reportDirProblem(f: ReportDirFacts): string | undefined {
  const inside = f.dir === f.workspace || f.dir.startsWith(`${f.workspace}/`);
  const r = inside ? rel(f.workspace, f.dir) : undefined;
  const fix = 'choose a directory of its own, e.g. reports/ in the workspace or one outside it';
  if (r !== undefined) {
    if (r === '') return `${f.flag} is the workspace itself: the auditor leaves the report dir out of its scope, so it would check nothing; ${fix}`;
    if (overlaps(r, f.runsDir)) return `${f.flag} (${r}) overlaps the run root ${f.runsDir}/, where sleeves write; ${fix}`;
    for (const g of f.protect) {
      const base = patternBase(g);
      if (overlaps(r, base)) return `${f.flag} (${r}) overlaps the protected zone ${JSON.stringify(g)}: the auditor would not see changes there; ${fix}`;
    }
  } else if (isWithin(f.workspace, f.dir)) {
    return `${f.flag} contains the workspace: the auditor leaves the report dir out of its scope, so it would check nothing; ${fix}`;
  }
  for (const s of f.sleeves) {
    const probe = path.join(f.dir, 'audit.json');
    const d = s.engine.decide('write', probe);
    if (d.allowed)
      return `${f.flag} lies in the write zone of sleeve ${s.name} (policy ${s.policy.name}, ${d.rule ? `${d.rule.list} ${JSON.stringify(d.rule.pattern)}` : 'an allow rule'}): a sleeve could forge or replace the reports; ${fix}`;
    for (const a of s.policy.fs.write.allow) {
      const p = expandVariables(a.pattern, { runDir: rel(f.workspace, s.runDir), runId: s.runId });
      const base = patternBase(p);
      const abs = path.isAbsolute(base) ? base : path.join(f.workspace, base);
      if (isWithin(abs, f.dir))
        return `${f.flag} contains the write zone ${JSON.stringify(a.pattern)} of sleeve ${s.name} (policy ${s.policy.name}): a sleeve could plant files among the reports; ${fix}`;
    }
  }
  return undefined;
}

/** The real path of `p`: its deepest existing ancestor resolved through links, plus the rest. */
export function realish(p: string): string {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.resolve(p);
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/**
 * Makes the report dir (and its parents), or takes an existing one that is a
 * real directory, and makes it the runner's: owned by it, writable by no one
 * else. Returns whether it was made now (an exit-2 path removes it again).
 */
export function prepareReportDir(dir: string, mustBeNew: boolean): { created: boolean } {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  let created = false;
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (mustBeNew) throw new Error(`${dir} already exists: a report dir of a new batch is made by the runner (was it planted?)`);
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory (a link or a file is in its place)`);
  if (fs.realpathSync(dir) !== dir) throw new Error(`${dir} resolves elsewhere (${fs.realpathSync(dir)}): a link on its path`);
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (uid !== undefined && gid !== undefined && (st.uid !== uid || st.gid !== gid)) fs.chownSync(dir, uid, gid);
  fs.chmodSync(dir, 0o755);
  return { created };
}
