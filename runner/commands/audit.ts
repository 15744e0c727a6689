/**
 * `sleeve-sandbox audit verify <audit.json>`: re-checks a report made
 * elsewhere against the published schema and answers with its verdict:
 * exit 0 clean, 1 failed, 3 violations, 2 when the file is not a valid report.
 * `sleeve-sandbox audit schema` prints the JSON Schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, ConfigError } from '../../policies/errors.js';
import { issuesToDiagnostics, parseJsonSource } from '../../policies/json-source.js';
import { auditJsonSchema, auditReportSchema } from '../audit/schema.js';
import type { Io } from '../cli.js';

class ReportError extends ConfigError {
  constructor(diagnostics: ConstructorParameters<typeof ConfigError>[1]) {
    super('EREPORT', diagnostics);
  }
}

export async function auditVerifyCommand(opts: { file: string; json: boolean }, io: Io): Promise<number> {
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
  const code = r.verdict === 'clean' ? EXIT.ok : r.verdict === 'failed' ? EXIT.sleeveFailed : EXIT.denied;
  if (opts.json) {
    io.stdout(`${JSON.stringify({ file, valid: true, verdict: r.verdict, sleeves: r.sleeves.length, violations: r.violations.length, exitCode: code })}\n`);
  } else {
    io.stdout(`${file}: valid audit report v${r.version}; verdict ${r.verdict} (${r.sleeves.length} sleeve(s), ${r.violations.length} violation(s))\n`);
  }
  return code;
}

export async function auditSchemaCommand(io: Io): Promise<number> {
  io.stdout(`${JSON.stringify(auditJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
