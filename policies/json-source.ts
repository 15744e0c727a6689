/**
 * Strict JSON parsing that keeps positions, so every message can say
 * `file:line:col` for a JSON path. Comments and trailing commas are refused:
 * policy and manifest files are plain JSON.
 */
import { type Node, type ParseError, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, visit } from 'jsonc-parser';
import { type Diagnostic, PolicyError, describeValue } from './errors.js';

export type JsonPath = ReadonlyArray<string | number>;

export interface JsonSource {
  file: string;
  value: unknown;
  /** Position of a JSON path: the value's node, else the nearest parent that exists. */
  locate(path: JsonPath): { line: number; column: number };
  /** Position of the key of a property (for unknown keys); falls back to locate(). */
  locateKey(path: JsonPath): { line: number; column: number };
  /** Keys given twice in one object (JSON.parse would keep the last silently). */
  duplicateKeys: Array<{ path: JsonPath; line: number; column: number }>;
}

export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}

/** Parses `text` (the contents of `file`) or throws a PolicyError naming the place. */
export function parseJsonSource(file: string, rawText: string, makeError: (diagnostics: Diagnostic[]) => Error = (d) => new PolicyError(d)): JsonSource {
  // A UTF-8 byte order mark is not content: editors on some systems add one.
  const text = rawText.charCodeAt(0) === 0xfeff ? ` ${rawText.slice(1)}` : rawText;
  const starts = lineStarts(text);
  if (text.trim() === '') {
    throw makeError([{ file, line: 1, column: 1, jsonPath: '', level: 'error', message: 'invalid JSON: the file is empty; expected a JSON object' }]);
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || root === undefined) {
    const first = errors[0];
    const diagnostics: Diagnostic[] = first
      ? [{ file, ...position(starts, first.offset), jsonPath: '', level: 'error', message: `invalid JSON: ${describeError(text, first)}` }]
      : [{ file, line: 1, column: 1, jsonPath: '', level: 'error', message: 'invalid JSON: expected a value' }];
    throw makeError(diagnostics);
  }
  const duplicateKeys: JsonSource['duplicateKeys'] = [];
  const seen: Array<Set<string>> = [];
  visit(text, {
    onObjectBegin: () => void seen.push(new Set()),
    onObjectEnd: () => void seen.pop(),
    onObjectProperty: (name, offset, _length, _line, _col, pathSupplier) => {
      const keys = seen[seen.length - 1];
      if (!keys) return;
      if (keys.has(name)) duplicateKeys.push({ path: [...pathSupplier(), name], ...position(starts, offset) });
      keys.add(name);
    },
  });
  return {
    file,
    value: getNodeValue(root),
    duplicateKeys,
    locate(path) {
      for (let n = path.length; n >= 0; n--) {
        const node: Node | undefined = findNodeAtLocation(root, path.slice(0, n) as Array<string | number>);
        if (node) {
          // Point at the key of a property for a missing child, at the value otherwise.
          const target = n < path.length && node.parent?.type === 'property' ? node.parent : node;
          return position(starts, target.offset);
        }
      }
      return { line: 1, column: 1 };
    },
    locateKey(path) {
      const node = findNodeAtLocation(root, path as Array<string | number>);
      const key = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
      return key ? position(starts, key.offset) : this.locate(path);
    },
  };
}

/** The parse error in words; a trailing comma is named as such. */
function describeError(text: string, error: ParseError): string {
  const code = printParseErrorCode(error.error);
  if (code === 'PropertyNameExpected' || code === 'ValueExpected') {
    let i = error.offset - 1;
    while (i >= 0 && /\s/.test(text[i] as string)) i--;
    if (text[i] === ',') return 'trailing comma: remove the "," before this "}" or "]" (JSON allows none)';
  }
  return describeParseError(code);
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'malformed number',
    PropertyNameExpected: 'expected a property name in double quotes',
    ValueExpected: 'expected a value',
    ColonExpected: 'expected ":" after the property name',
    CommaExpected: 'expected "," between entries',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'expected the end of the file after the top-level value',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string',
  };
  return words[code] ?? code;
}

/** The subset of a zod issue that diagnostics need. */
export interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  params?: unknown;
}

function valueAt(value: unknown, jsonPath: ReadonlyArray<string | number>): unknown {
  let current = value;
  for (const part of jsonPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/**
 * zod issues as diagnostics: the place (file:line:col and JSON path), what was
 * expected, and what was found. `keysHint` says where the allowed keys are listed.
 */
export function issuesToDiagnostics(issues: readonly SchemaIssue[], json: JsonSource, keysHint: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const issue of issues) {
    const issuePath = issue.path as Array<string | number>;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys ?? []) {
        const keyPath = [...issuePath, key];
        diagnostics.push({
          file: json.file,
          ...json.locateKey(keyPath),
          jsonPath: formatJsonPath(keyPath),
          level: 'error',
          message: `unknown key ${JSON.stringify(key)}: expected only the keys ${keysHint}; remove or rename it`,
        });
      }
      continue;
    }
    const found = valueAt(json.value, issuePath);
    const message =
      issue.message.startsWith('expected') || issue.message.startsWith('unknown')
        ? issue.message
        : `expected ${issue.message
            .replace(/^Invalid input: expected /, '')
            .replace(/^Too small: expected /, '')
            .replace(/^Too big: expected /, '')
            .replace(/, received \w+$/, '')}`;
    const foundNote = message.includes(', got ') ? '' : `, found ${describeValue(found)}`;
    const atKey = issue.code === 'custom' && (issue.params as { atKey?: boolean } | undefined)?.atKey === true;
    diagnostics.push({
      file: json.file,
      ...(atKey ? json.locateKey(issuePath) : json.locate(issuePath)),
      jsonPath: formatJsonPath(issuePath),
      level: 'error',
      message: `${message}${foundNote}`,
    });
  }
  return diagnostics;
}
