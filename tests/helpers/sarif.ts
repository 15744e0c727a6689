/**
 * Validates a SARIF log against the official SARIF 2.1.0 JSON Schema, as
 * shipped in the npm package @microsoft/jest-sarif (lib/schemas/
 * sarif-2.1.0-rtm.5.json, pinned in devDependencies). The schema is
 * draft-04, so ajv-draft-04 (ajv 8) with ajv-formats; its `language`
 * pattern is not a valid regular expression with the `u` flag, so patterns
 * are compiled without it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

// Both are CommonJS with a default export: under NodeNext the class is `.default`.
const Ajv = ajvDraft04.default;
const addFormats = ajvFormats.default;

const require = createRequire(import.meta.url);
export const SARIF_SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(fs.readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as object);
  }
  return validate;
}

/** The schema's errors for `log`, or [] when it is valid SARIF 2.1.0. */
export function sarifErrors(log: unknown): string[] {
  const v = validator();
  if (v(log)) return [];
  return (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

export function assertValidSarif(log: unknown, what = 'the log'): void {
  const errors = sarifErrors(log);
  assert.deepEqual(errors, [], `${what} is not valid SARIF 2.1.0:\n${errors.join('\n')}`);
}
