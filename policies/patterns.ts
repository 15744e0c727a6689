/**
 * Pattern checks shared by the schema's refinements and the engine, so the
 * loader never accepts what the engine refuses.
 *
 * A rule pattern is a workspace-relative glob (`**`, `*`, `{a,b}`, `[ab]`), or
 * an absolute one. `{name}` where name is an identifier is a variable, not a
 * brace expansion (braces that expand hold a comma or a `..` range).
 */
import picomatch from 'picomatch';

export const VARIABLES = Object.freeze(['runDir', 'runId', 'batchRunDirs'] as const);
export type VariableName = (typeof VARIABLES)[number];
/**
 * `{batchRunDirs}` is not a string: it stands for the run dirs of a batch's
 * sleeves, bound rule by rule (batch-run-dirs.ts) before any pattern is
 * expanded; a sample value stands in where a check needs one.
 */
export type Variables = Readonly<Record<'runDir' | 'runId', string>> & { readonly batchRunDirs?: string };

/** The variable a combine step reads its batch's run dirs through (batch-run-dirs.ts). */
export const BATCH_RUN_DIRS = '{batchRunDirs}';

const VARIABLE_RE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Run ids: `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`, and never `.` or `..`-like. */
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkRunId(id: string): string | undefined {
  if (!RUN_ID_RE.test(id)) {
    return `expected a run id matching ${RUN_ID_RE.source} (letters, digits, ".", "_", "-"; at most 128; starting with a letter or digit), got ${JSON.stringify(id)}`;
  }
  return undefined;
}

/** Names of the variables a pattern uses. */
export function variablesIn(pattern: string): string[] {
  return [...pattern.matchAll(VARIABLE_RE)].map((m) => m[1] as string);
}

/**
 * Returns what is wrong with a pattern, or undefined when it is acceptable.
 * The message says what was expected, so it can stand after the JSON path.
 */
export function checkPattern(pattern: string): string | undefined {
  if (pattern.length === 0) return 'expected a non-empty glob pattern, got "" (an empty pattern matches nothing)';
  if (pattern.trim() !== pattern) return `expected a pattern without leading or trailing spaces, got ${JSON.stringify(pattern)}`;
  if (pattern.includes('\0')) return 'expected a pattern without NUL bytes';
  if (pattern.includes('\\'))
    return `expected "/" as the separator, got a backslash in ${JSON.stringify(pattern)} (escape glob characters with [] instead, e.g. "[*]")`;
  if (pattern.startsWith('!')) return `expected a plain pattern, got a negation ${JSON.stringify(pattern)}: put the path in the deny list instead`;
  for (const name of variablesIn(pattern)) {
    if (!(VARIABLES as readonly string[]).includes(name)) {
      return `unknown variable {${name}} in ${JSON.stringify(pattern)}: expected one of ${VARIABLES.map((v) => `{${v}}`).join(', ')}`;
    }
  }
  if (
    pattern.includes(BATCH_RUN_DIRS) &&
    (pattern.indexOf(BATCH_RUN_DIRS) !== 0 || pattern.lastIndexOf(BATCH_RUN_DIRS) !== 0 || !/^\{batchRunDirs\}(?:\/|$)/.test(pattern))
  ) {
    return `expected {batchRunDirs} once, as the first segment (e.g. "{batchRunDirs}/**" or "{batchRunDirs}/*/portfolio_candidates.json"), got ${JSON.stringify(pattern)}: it stands for whole run dirs`;
  }
  const body = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  const segments = body.split('/');
  if (body.length > 0 && segments.some((s) => s === '')) {
    return `expected no empty path segments, got ${JSON.stringify(pattern)} (a "//" or a trailing "/": write "dir/**" for a whole directory)`;
  }
  if (segments.some((s) => s === '..')) return `expected no ".." segments, got ${JSON.stringify(pattern)}: a rule names its target directly`;
  if (segments.some((s) => s === '.')) return `expected no "." segments, got ${JSON.stringify(pattern)}: write the path from the workspace root without "./"`;
  try {
    picomatch.makeRe(expandVariables(pattern, { runDir: 'runs/x', runId: 'x', batchRunDirs: 'runs/y' }), { dot: true, strictBrackets: true });
  } catch (error) {
    return `expected a valid glob, got ${JSON.stringify(pattern)}: ${(error as Error).message}`;
  }
  return undefined;
}

/** Substitutes `{runDir}`, `{runId}` (and a bound `{batchRunDirs}`). Unknown variables were refused at load time. */
export function expandVariables(pattern: string, vars: Variables): string {
  return pattern.replace(VARIABLE_RE, (whole, name: string) => {
    const value = Object.hasOwn(vars, name) ? (vars as Record<string, string | undefined>)[name] : undefined;
    return value ?? whole;
  });
}

/** The static directory part of a pattern (`data/lakehouse` for `data/lakehouse/**`). */
export function patternBase(pattern: string): string {
  const scan = picomatch.scan(pattern);
  return scan.isGlob ? scan.base : pattern;
}

/** True for a pattern with glob characters (after variables are expanded). */
export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** True when `a` is `b` or lies below it, segment-wise. */
export function isWithin(a: string, b: string): boolean {
  if (b === '' || b === '/') return true;
  return a === b || a.startsWith(b.endsWith('/') ? b : `${b}/`);
}
