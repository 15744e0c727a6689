/**
 * `sleeve-sandbox audit verify <audit.json>`: re-checks a report made
 * elsewhere against the published schema, then recomputes its verdict and
 * exit code from its own contents (consistency.ts), and answers with the
 * verdict's exit code (0 clean, 1 failed, 3 violations, 4 partial, unaudited
 * or still running, 70 error); 2 when the file is not a valid report or does
 * not agree with itself, with the place of each inconsistency. `--format sarif`
 * prints the report as SARIF 2.1.0 and `--format github` as workflow
 * annotations (a report made elsewhere, uploaded or annotated in CI).
 * `sleeve-sandbox audit schema` prints the JSON Schema.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, ConfigError, UsageError } from '../../policies/errors.js';
import { formatJsonPath, issuesToDiagnostics, parseJsonSource } from '../../policies/json-source.js';
import { checkConsistency } from '../audit/consistency.js';
import { VERDICT_EXIT } from '../audit/verdict.js';
import { auditJsonSchema, auditReportSchema } from '../audit/schema.js';
import type { Io } from '../io.js';
import { escapeControl } from '../escape.js';
import { batchAnnotations } from '../reports/github.js';
import { reportRoot } from '../reports/locate.js';
import { auditSarif } from '../reports/sarif.js';

class ReportError extends ConfigError {
  constructor(diagnostics: ConstructorParameters<typeof ConfigError>[1]) {
    super('EREPORT', diagnostics);
  }
}

export const VERIFY_FORMATS = ['text', 'json', 'sarif', 'github'] as const;

export async function auditVerifyCommand(opts: { file: string; json: boolean; format?: (typeof VERIFY_FORMATS)[number] }, io: Io): Promise<number> {
  if (opts.format !== undefined && opts.json && opts.format !== 'json') {
    throw new UsageError(`--json and --format ${opts.format} ask for two outputs: give one (--json is --format json)`);
  }
  const format = opts.format ?? (opts.json ? 'json' : 'text');
  const file = path.resolve(io.cwd, opts.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ReportError([
      { file, line: 1, column: 1, jsonPath: '', level: 'error', message: `cannot read the report (${(error as NodeJS.ErrnoException).code ?? 'error'})` },
    ]);
  }
  const json = parseJsonSource(file, text, (d) => new ReportError(d));
  const result = auditReportSchema.safeParse(json.value);
  if (!result.success) throw new ReportError(issuesToDiagnostics(result.error.issues, json, 'the audit schema defines (see "sleeve-sandbox audit schema")'));
  const r = result.data;
  const inconsistent = checkConsistency(r);
  if (inconsistent.length > 0) {
    throw new ReportError(
      inconsistent.map((i) => ({
        file,
        ...json.locate(i.path),
        jsonPath: formatJsonPath(i.path),
        level: 'error' as const,
        message: `inconsistent report: ${i.message}`,
      })),
    );
  }
  const code = r.verdict === 'running' ? EXIT.unproven : VERDICT_EXIT[r.verdict];
  if (format === 'sarif') {
    io.stdout(`${JSON.stringify(auditSarif(r, { root: reportRoot(io.env, io.cwd) }), null, 2)}\n`);
  } else if (format === 'github') {
    const lines = batchAnnotations(r, { root: reportRoot(io.env, io.cwd), token: randomBytes(16).toString('hex') });
    io.stdout(lines.map((l) => `${l}\n`).join(''));
  } else if (format === 'json') {
    io.stdout(
      `${JSON.stringify({ file, valid: true, verdict: r.verdict, weakened: r.weakened, sleeves: r.sleeves.length, violations: r.violations.length, exitCode: code })}\n`,
    );
  } else {
    const notFinal = r.verdict === 'running' ? ' (the batch never finished: its runner died, or it is still running)' : '';
    const weakened = r.weakened.map((w) => `\n  not proven: ${escapeControl(w)}`).join('');
    io.stdout(
      `${file}: valid, consistent audit report v${r.version}; verdict ${r.verdict}${notFinal} (${r.sleeves.length} sleeve(s), ${r.violations.length} violation(s))${weakened}\n`,
    );
  }
  return code;
}

export async function auditSchemaCommand(io: Io): Promise<number> {
  io.stdout(`${JSON.stringify(auditJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
