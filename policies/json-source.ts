/**
 * Strict JSON parsing that keeps positions, so every message can say
 * `file:line:col` for a JSON path. Comments and trailing commas are refused:
 * policy and manifest files are plain JSON.
 */
import { type Node, type ParseError, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, visit } from 'jsonc-parser';
import { type Diagnostic, PolicyError } from './errors.js';

export type JsonPath = ReadonlyArray<string | number>;

export interface JsonSource {
  file: string;
  value: unknown;
  /** Position of a JSON path: the value's node, else the nearest parent that exists. */
  locate(path: JsonPath): { line: number; column: number };
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
export function parseJsonSource(file: string, text: string): JsonSource {
  const starts = lineStarts(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || root === undefined) {
    const diagnostics: Diagnostic[] = errors.slice(0, 5).map((e) => ({
      file,
      ...position(starts, e.offset),
      jsonPath: '',
      level: 'error',
      message: `invalid JSON: ${describeParseError(printParseErrorCode(e.error))}`,
    }));
    if (diagnostics.length === 0) {
      diagnostics.push({ file, line: 1, column: 1, jsonPath: '', level: 'error', message: 'invalid JSON: the file is empty' });
    }
    throw new PolicyError(diagnostics);
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
  };
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
