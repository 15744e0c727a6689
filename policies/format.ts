/**
 * The one canonical form of policy files and policy test files, so that a diff
 * in a pull request shows only real changes (`policy fmt`).
 *
 * - Keys in the order of the zod schema's shape, recursively: the order is read
 *   from the schema itself (policySchema, policyTestSchema), never from a second
 *   hand-written list, so a key added to the schema is placed without an edit here.
 * - Record keys (env.set) sorted by character code.
 * - Lists whose order has no meaning sorted by character code and de-duplicated
 *   (exact duplicates only): UNORDERED_LISTS below. fs allow/deny: deny beats
 *   allow whatever the order, so no decision depends on it; only which of several
 *   matching rules a report names (the first in file order) can change. Every other
 *   list keeps its order (a test walks the schemas so that no list is left unclassified).
 * - 2-space indentation, a final newline, no byte order mark, `$schema` kept.
 *
 * It never changes meaning: the value formatted is the file as written (no zod
 * defaults are added), and a property test checks that the effective policy
 * decides the same before and after. A file that does not load (invalid JSON,
 * a schema error, or a key given twice, where the formatter would have to pick
 * one) is refused with its diagnostics.
 */
import path from 'node:path';
import type { z } from 'zod';
import { type Diagnostic, PolicyError } from './errors.js';
import { type JsonPath, formatJsonPath, issuesToDiagnostics, parseJsonSource } from './json-source.js';
import { policyTestSchema } from './policy-test.js';
import { policySchema } from './schema.js';

/** JSON paths (`*` for any key) of the lists that are sets: sorted and de-duplicated. */
export const UNORDERED_LISTS: ReadonlyArray<JsonPath> = Object.freeze([
  ['fs', '*', 'allow'],
  ['fs', '*', 'deny'],
  ['env', 'pass'],
  ['requires'],
  ['audit', 'protect'],
  ['acknowledge'],
  ['cases', '*', 'batchRunIds'],
]);

/** Lists whose order is kept on purpose (classified, so a new list in a schema must be placed in one or the other). */
export const ORDERED_LISTS: ReadonlyArray<JsonPath> = Object.freeze([['cases']]);

export type FormatKind = 'policy' | 'policy-test';

/** `*.test.json` is a policy test file; any other `.json` a policy. */
export function formatKindOf(file: string): FormatKind {
  return path.basename(file).endsWith('.test.json') ? 'policy-test' : 'policy';
}

function matchesPath(pattern: JsonPath, at: JsonPath): boolean {
  return pattern.length === at.length && pattern.every((p, i) => p === '*' || p === at[i]);
}

// zod 4 keeps a schema's structure on `_zod.def`; only the kinds the two schemas use are walked.
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema under optional / default / nullable / readonly / pipe wrappers. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

/** Every list in a schema, by JSON path (`*` for a record key or an fs op); for the classification test. */
export function listPathsOf(schema: z.ZodType, at: JsonPath = []): JsonPath[] {
  const s = unwrapSchema(schema);
  const def = defOf(s);
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => listPathsOf(child, [...at, key]));
  }
  if (def.type === 'array' && def.element) return [at, ...listPathsOf(def.element, [...at, '*'])];
  if (def.type === 'record' && def.valueType) return listPathsOf(def.valueType, [...at, '*']);
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => listPathsOf(o, at));
  return [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sort key of a list entry: a string is itself; a deny entry `{path, reason}`
 * sorts by its path, before a bare string of the same path, then by reason.
 */
function sortKey(entry: unknown): [string, number, string] {
  if (typeof entry === 'string') return [entry, 1, ''];
  if (isPlainObject(entry) && typeof entry['path'] === 'string') return [entry['path'], 0, typeof entry['reason'] === 'string' ? entry['reason'] : ''];
  return [JSON.stringify(entry), 2, ''];
}

function compareEntries(a: unknown, b: unknown): number {
  const [pa, ka, ra] = sortKey(a);
  const [pb, kb, rb] = sortKey(b);
  return byCode(pa, pb) || ka - kb || byCode(ra, rb);
}

function canonicalValue(schema: z.ZodType, value: unknown, at: JsonPath): unknown {
  const s = unwrapSchema(schema);
  const def = defOf(s);
  if (def.type === 'object' && def.shape && isPlainObject(value)) {
    const shape = def.shape;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      if (Object.hasOwn(value, key)) out[key] = canonicalValue(shape[key] as z.ZodType, value[key], [...at, key]);
    }
    // Keys the schema does not know never reach here (strict objects refuse them); kept, sorted, if they ever do.
    for (const key of Object.keys(value)
      .filter((k) => !Object.hasOwn(shape, k))
      .sort(byCode))
      out[key] = value[key];
    return out;
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    const items = value.map((item, i) => canonicalValue(element, item, [...at, i]));
    if (!UNORDERED_LISTS.some((p) => matchesPath(p, at))) return items;
    const seen = new Set<string>();
    return items
      .filter((item) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort(compareEntries);
  }
  if (def.type === 'record' && def.valueType && isPlainObject(value)) {
    const valueType = def.valueType;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(byCode)) out[key] = canonicalValue(valueType, value[key], [...at, key]);
    return out;
  }
  if (def.type === 'union' && def.options) {
    // The option the value is: the object option for an object, the others keep the value as it is.
    const option = def.options.find((o) => o.safeParse(value).success);
    return option ? canonicalValue(option, value, at) : value;
  }
  return value;
}

/** The canonical value of a document already valid for `kind`'s schema. */
export function canonicalDocument(kind: FormatKind, value: unknown): unknown {
  return canonicalValue(kind === 'policy' ? policySchema : policyTestSchema, value, []);
}

/** The canonical text of a document value: 2-space JSON and a final newline. */
export function canonicalText(kind: FormatKind, value: unknown): string {
  return `${JSON.stringify(canonicalDocument(kind, value), null, 2)}\n`;
}

export interface FormatResult {
  kind: FormatKind;
  /** The canonical text of the file. */
  text: string;
  changed: boolean;
}

/**
 * Formats the text of one file (policy or test file, by name). Throws a
 * PolicyError (exit 2) naming each place when the file does not load.
 */
export function formatSource(file: string, text: string, kind: FormatKind = formatKindOf(file)): FormatResult {
  const json = parseJsonSource(file, text);
  if (json.duplicateKeys.length > 0) {
    const diagnostics: Diagnostic[] = json.duplicateKeys.map((d) => ({
      file,
      line: d.line,
      column: d.column,
      jsonPath: formatJsonPath(d.path),
      level: 'error',
      message: `key ${JSON.stringify(d.path[d.path.length - 1])} given twice in one object: the formatter will not choose which one to keep (JSON keeps the last); remove one by hand`,
    }));
    throw new PolicyError(diagnostics);
  }
  const schema = kind === 'policy' ? policySchema : policyTestSchema;
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    const hint =
      kind === 'policy'
        ? 'the schema defines (see "sleeve-sandbox policy schema")'
        : 'the test file schema defines (see "sleeve-sandbox policy schema --test")';
    throw new PolicyError(issuesToDiagnostics(parsed.error.issues, json, hint));
  }
  const canonical = canonicalText(kind, json.value);
  return { kind, text: canonical, changed: canonical !== text };
}

/**
 * A short unified-style hint at the first difference: up to `context` lines of
 * each side from the first line that differs, as `-` (file) and `+` (canonical).
 */
export function firstDifference(file: string, actual: string, canonical: string, context = 4): string {
  const a = actual.split('\n');
  const b = canonical.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const minus = a.slice(i, i + context).map((l) => `-${l}`);
  const plus = b.slice(i, i + context).map((l) => `+${l}`);
  return [`--- ${file}`, `+++ ${file} (canonical)`, `@@ line ${i + 1} @@`, ...minus, ...plus].join('\n');
}
