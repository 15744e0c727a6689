/**
 * Typed errors. Commands throw these; only the CLI maps them to exit codes and
 * prints them. Callers branch on `.code`, never on the message text.
 */

/** Exit codes are a public contract (see README "Exit codes"). */
export const EXIT = Object.freeze({
  ok: 0,
  sleeveFailed: 1,
  usage: 2,
  denied: 3,
  /** The sleeves ended ok but the proof is incomplete: the audit was off or weakened (verdict unaudited or partial). */
  unproven: 4,
  /** The runner failed inside (a bug): the report says `error`. */
  internal: 70,
});

export class SleeveSandboxError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Where in which file a problem is: `file:line:col` plus the JSON path. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** JSON path in dotted form, e.g. `fs.read.deny[0].reason`; empty for the document. */
  jsonPath: string;
}

export interface Diagnostic extends SourceLocation {
  level: 'error' | 'warning';
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.jsonPath ? `${d.jsonPath}: ` : '';
  return `${d.file}:${d.line}:${d.column}: ${d.level}: ${where}${d.message}`;
}

/** A configuration file that does not load. Always exit 2: nothing runs on bad input. */
export class ConfigError extends SleeveSandboxError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(code: string, diagnostics: Diagnostic[]) {
    super(code, diagnostics.map(formatDiagnostic).join('\n'), EXIT.usage);
    this.diagnostics = Object.freeze(diagnostics.slice());
  }
}

/** A policy that does not load. */
export class PolicyError extends ConfigError {
  constructor(diagnostics: Diagnostic[]) {
    super('EPOLICY', diagnostics);
  }
}

/**
 * A policy reference given directly (a name or a path, not an `extends`)
 * that names no policy. Its code stays EPOLICY (the JSON contract); the class
 * is the kind a caller branches on, e.g. to point at the place the reference
 * was written instead (never the message text).
 */
export class PolicyNotFoundError extends PolicyError {}

/** A sleeve manifest that does not load. */
export class ManifestError extends ConfigError {
  constructor(diagnostics: Diagnostic[]) {
    super('EMANIFEST', diagnostics);
  }
}

/** Bad flags, arguments or run ids. Exit 2. */
export class UsageError extends SleeveSandboxError {
  constructor(message: string) {
    super('EUSAGE', message, EXIT.usage);
  }
}

export function isSleeveSandboxError(value: unknown): value is SleeveSandboxError {
  return value instanceof SleeveSandboxError;
}

/** Short description of a JSON value for messages: `"" (string)`, `3 (number)`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value);
  const clipped = shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
  return `${clipped} (${typeof value})`;
}
