/**
 * Source positions for isolate mode: the runner compiles each of a sleeve's
 * files with an inline source map, and V8 in the isolate reports positions in
 * the compiled code. This maps `file://<module>:<line>:<column>` in a stack
 * text back to the sleeve's own source (TypeScript or JavaScript), so what the
 * runner prints names the line the author wrote.
 *
 * Pure and host-side: it reads only the runner's compiled module text and the
 * stack text (a string the isolate produced, untrusted: a position that does
 * not decode is left as it was). Only the parts of Source Map v3 that esbuild
 * emits are read: `sources`, `sourcesContent`, `mappings`.
 */

/** [generated column, source index, source line, source column], all 0-based. */
type Segment = [number, number, number, number];

export interface SourceMap {
  sources: string[];
  sourcesContent: Array<string | null>;
  /** Per generated line, its segments in column order. */
  lines: Segment[][];
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));
const INLINE = '//# sourceMappingURL=data:application/json;base64,';

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let src = 0;
  let srcLine = 0;
  let srcCol = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let genCol = 0;
    for (const seg of lineText.split(',')) {
      if (seg === '') continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64_INDEX.get(ch);
        if (digit === undefined) return lines;
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += fields[0] ?? 0;
      if (fields.length >= 4) {
        src += fields[1] as number;
        srcLine += fields[2] as number;
        srcCol += fields[3] as number;
        segments.push([genCol, src, srcLine, srcCol]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** The inline source map at the end of compiled code, or undefined. */
export function inlineSourceMap(code: string): SourceMap | undefined {
  const at = code.lastIndexOf(INLINE);
  if (at < 0) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(code.slice(at + INLINE.length).trim(), 'base64').toString('utf8')) as {
      sources?: unknown;
      sourcesContent?: unknown;
      mappings?: unknown;
    };
    if (!Array.isArray(raw.sources) || typeof raw.mappings !== 'string') return undefined;
    return {
      sources: raw.sources.map(String),
      sourcesContent: Array.isArray(raw.sourcesContent) ? raw.sourcesContent.map((s) => (typeof s === 'string' ? s : null)) : [],
      lines: decodeMappings(raw.mappings),
    };
  } catch {
    return undefined;
  }
}

export interface Original {
  source: string;
  /** 1-based, as V8 and editors count. */
  line: number;
  column: number;
  /** The source line's text, when the map carries the source. */
  text?: string;
}

/** The original position of a 1-based generated line and column. */
export function originalPosition(map: SourceMap, line: number, column: number): Original | undefined {
  const segments = map.lines[line - 1];
  if (!segments || segments.length === 0) return undefined;
  let best: Segment | undefined;
  for (const s of segments) {
    if (s[0] <= column - 1) best = s;
    else break;
  }
  best ??= segments[0];
  if (!best) return undefined;
  const source = map.sources[best[1]];
  if (source === undefined) return undefined;
  const content = map.sourcesContent[best[1]];
  const text = typeof content === 'string' ? content.split(/\r?\n/)[best[2]] : undefined;
  return { source, line: best[2] + 1, column: best[3] + 1, ...(text === undefined ? {} : { text }) };
}

const POSITION = /file:\/\/([^\n()]*?):(\d+):(\d+)/g;

/**
 * `text` with every `file://<file>:<line>:<column>` of a file `mapOf` knows
 * rewritten to the original position; also the first such position, for a
 * "where it was thrown" line.
 */
export function mapStack(text: string, mapOf: (file: string) => SourceMap | undefined): { text: string; first?: Original & { file: string } } {
  let first: (Original & { file: string }) | undefined;
  const out = text.replace(POSITION, (whole, file: string, line: string, column: string) => {
    const map = mapOf(file);
    const pos = map ? originalPosition(map, Number(line), Number(column)) : undefined;
    if (!pos) return whole;
    first ??= { ...pos, file };
    return `file://${file}:${pos.line}:${pos.column}`;
  });
  return first ? { text: out, first } : { text: out };
}
