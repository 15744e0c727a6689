/**
 * The run root: the workspace-relative directory that holds every sleeve's
 * run dir, `<runsDir>/<runId>`, which `{runDir}` names in a policy. `runs` by
 * default; the seeds use `artifacts/summaries/runs`.
 *
 * Pure: the spelling alone is checked here (the manifest, `--runs-dir` and the
 * policy commands share it). A run root is where sleeves write, so it must not
 * overlap what they must not change: it is a plain relative path (no `..`, no
 * glob characters, no `.` segments), never the workspace root, never in or
 * above the shared data layer `data/lakehouse`, never in `.git` or the default
 * report root `reports`. What the disk says (symlinks on the way) is checked by
 * the runner (runner/batch/runs-dir.ts), and a `--report-dir` that overlaps the
 * run root by runner/audit/report-dir.ts.
 */
import { isWithin } from './patterns.js';

export const DEFAULT_RUNS_DIR = 'runs';

/** The shared data layer: a run root may be neither in it nor above it. */
const LAKEHOUSE = 'data/lakehouse';
/** The default report root (`reports/<batch id>`). */
const REPORTS = 'reports';

/** `{runDir}` of a sleeve: `<runsDir>/<runId>`, workspace-relative, with "/". */
export function runDirOf(runsDir: string, runId: string): string {
  return `${runsDir}/${runId}`;
}

/** Why `value` cannot be a run root, or undefined when its spelling is fine. */
export function runsDirProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) return 'is absolute: give a path relative to the workspace, e.g. "artifacts/summaries/runs"';
  if (value.includes('\\')) return 'contains "\\": separate directories with "/"';
  if (/[*?[\]{}!()+@]/.test(value)) return 'contains a glob character (one of * ? [ ] { } ! ( ) + @): a run root is a plain directory';
  if (/[\0-\x1f]/.test(value)) return 'contains a control character';
  const segments = value.split('/');
  if (segments.includes('..')) return 'contains "..": a run root lies inside the workspace';
  if (segments.some((s) => s === '' || s === '.')) {
    return value === '.'
      ? 'is the workspace root: sleeves could then change every file of it'
      : 'has an empty or "." segment: write it plainly, e.g. "artifacts/summaries/runs"';
  }
  if (isWithin(value, LAKEHOUSE)) return `lies inside the shared data layer ${LAKEHOUSE}, which sleeves read and must not change`;
  if (isWithin(LAKEHOUSE, value)) return `holds the shared data layer ${LAKEHOUSE}, which sleeves read and must not change`;
  if (segments[0] === '.git') return "lies inside .git: sleeves could change the repository's history and hooks";
  if (segments[0] === REPORTS) return `lies inside ${REPORTS}/, the report root, where the runner writes each batch's reports and sleeves must not`;
  return undefined;
}
