import { EXIT, PolicyError, UsageError, formatDiagnostic } from '../../../policies/errors.js';
import { lintPolicy } from '../../../policies/lint.js';
import { runsDirFlag } from '../../batch/runs-dir.js';
import { loadPolicy } from '../../../policies/loader.js';
import type { Io } from '../../io.js';
import { lintAnnotations } from '../../reports/github.js';
import { reportRoot } from '../../reports/locate.js';
import { type LintFinding, lintSarif } from '../../reports/sarif.js';
import { TOOL_VERSION } from '../../reports/tool-version.js';
import { loadOptionsFor } from './shared.js';

export const LINT_FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

export interface LintOptions {
  files: string[];
  strict: boolean;
  workspace: string;
  json: boolean;
  /** Absent: `github` when GITHUB_ACTIONS=true in the environment, else `text` (`--json` is `json`). */
  format?: LintFormat;
  /** The run root `{runDir}` lies in (`--runs-dir`, default `runs`). */
  runsDir?: string;
}

/** The output format: an explicit --format, else --json, else github in GitHub Actions, else text. */
export function lintFormat(opts: Pick<LintOptions, 'json' | 'format'>, env: NodeJS.ProcessEnv): LintFormat {
  if (opts.format !== undefined && opts.json && opts.format !== 'json') {
    throw new UsageError(`--json and --format ${opts.format} ask for two outputs: give one (--json is --format json)`);
  }
  if (opts.format !== undefined) return opts.format;
  if (opts.json) return 'json';
  return env.GITHUB_ACTIONS === 'true' ? 'github' : 'text';
}

/** Exit 2 when any file does not load, 1 when --strict and any warning, else 0 (whatever the format). */
export async function lintCommand(opts: LintOptions, io: Io): Promise<number> {
  const format = lintFormat(opts, io.env);
  const runsDir = runsDirFlag(opts.runsDir);
  const loadOpts = loadOptionsFor(opts.workspace, io.cwd);
  const all: LintFinding[] = [];
  let errors = 0;
  let warnings = 0;
  for (const file of opts.files) {
    try {
      const found = lintPolicy(loadPolicy(file, loadOpts), { runsDir });
      warnings += found.length;
      all.push(...found);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      errors += error.diagnostics.length;
      all.push(...error.diagnostics);
    }
  }
  const root = reportRoot(io.env, io.cwd);
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ errors, warnings, diagnostics: all }, null, 2)}\n`);
  } else if (format === 'sarif') {
    io.stdout(`${JSON.stringify(lintSarif(all, { root, toolVersion: TOOL_VERSION }), null, 2)}\n`);
  } else {
    const lines = format === 'github' ? lintAnnotations(all, root) : all.map(formatDiagnostic);
    for (const l of lines) io.stdout(`${l}\n`);
    io.stderr(`${opts.files.length} file(s): ${errors} error(s), ${warnings} warning(s)\n`);
  }
  if (errors > 0) return EXIT.usage;
  if (opts.strict && warnings > 0) return EXIT.sleeveFailed;
  return EXIT.ok;
}
