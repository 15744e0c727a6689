import { EXIT, PolicyError, formatDiagnostic } from '../../../policies/errors.js';
import type { Diagnostic } from '../../../policies/errors.js';
import { lintPolicy } from '../../../policies/lint.js';
import { loadPolicy } from '../../../policies/loader.js';
import type { Io } from '../../cli.js';
import { loadOptionsFor } from './shared.js';

export interface LintOptions {
  files: string[];
  strict: boolean;
  workspace: string;
  json: boolean;
}

/** Exit 2 when any file does not load, 1 when --strict and any warning, else 0. */
export async function lintCommand(opts: LintOptions, io: Io): Promise<number> {
  const loadOpts = loadOptionsFor(opts.workspace, io.cwd);
  const all: Diagnostic[] = [];
  let errors = 0;
  let warnings = 0;
  for (const file of opts.files) {
    try {
      const found = lintPolicy(loadPolicy(file, loadOpts));
      warnings += found.length;
      all.push(...found);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      errors += error.diagnostics.length;
      all.push(...error.diagnostics);
    }
  }
  if (opts.json) {
    io.stdout(`${JSON.stringify({ errors, warnings, diagnostics: all }, null, 2)}\n`);
  } else {
    for (const d of all) io.stdout(`${formatDiagnostic(d)}\n`);
    const summary = `${opts.files.length} file(s): ${errors} error(s), ${warnings} warning(s)\n`;
    io.stderr(summary);
  }
  if (errors > 0) return EXIT.usage;
  if (opts.strict && warnings > 0) return EXIT.sleeveFailed;
  return EXIT.ok;
}
