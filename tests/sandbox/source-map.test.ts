/**
 * source-map.ts on its own: positions in code esbuild compiled (TypeScript,
 * inline source map, as compileIsolateModules makes it) map back to the
 * source line and column; text it cannot map is left as it was.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { inlineSourceMap, mapStack, originalPosition } from '../../sandbox/source-map.js';

const SOURCE = `type Row = { a: number };
interface Big {
  rows: Row[];
}
export function first(big: Big): number {
  const row: Row | undefined = big.rows[0];
  if (!row) {
    throw new RangeError('no rows');
  }
  return row.a;
}
`;

async function compiled(): Promise<string> {
  return (await esbuild.transform(SOURCE, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: '/ws/s/main.ts', sourcemap: 'inline' })).code;
}

/** 1-based line and column of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in ${text}`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

describe('source maps of compiled sleeve modules', () => {
  it('maps a generated position back to the TypeScript line and column, with the source line', async () => {
    const code = await compiled();
    const map = inlineSourceMap(code);
    assert.ok(map);
    assert.deepEqual(map.sources, ['/ws/s/main.ts']);
    const gen = positionOf(code, 'new RangeError');
    assert.notDeepEqual(gen, { line: 8, column: 11 }, 'the compiled code kept the same lines: the test would prove nothing');
    assert.deepEqual(originalPosition(map, gen.line, gen.column), {
      source: '/ws/s/main.ts',
      line: 8,
      column: 11,
      text: "    throw new RangeError('no rows');",
    });
  });

  it('rewrites the positions of known files in a stack text and leaves the rest alone', async () => {
    const code = await compiled();
    const gen = positionOf(code, 'new RangeError');
    const stack = `RangeError: no rows\n    at first (file:///ws/s/main.ts:${gen.line}:${gen.column})\n    at other (file:///ws/s/other.ts:3:4)\n    at file:///ws/s/main.ts:999:1`;
    const out = mapStack(stack, (file) => (file === '/ws/s/main.ts' ? inlineSourceMap(code) : undefined));
    assert.equal(
      out.text,
      `RangeError: no rows\n    at first (file:///ws/s/main.ts:8:11)\n    at other (file:///ws/s/other.ts:3:4)\n    at file:///ws/s/main.ts:999:1`,
    );
    assert.equal(out.first?.file, '/ws/s/main.ts');
    assert.equal(out.first?.line, 8);
  });

  it('gives nothing for code without a map or with a broken one', () => {
    assert.equal(inlineSourceMap('export const a = 1;\n'), undefined);
    assert.equal(inlineSourceMap('x\n//# sourceMappingURL=data:application/json;base64,!!!notjson'), undefined);
    const noMappings = `x\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify({ sources: ['a'] })).toString('base64')}`;
    assert.equal(inlineSourceMap(noMappings), undefined);
    const bad = `x\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify({ sources: ['a'], mappings: 'A$$;;' })).toString('base64')}`;
    const map = inlineSourceMap(bad);
    assert.ok(map);
    assert.equal(originalPosition(map, 5, 1), undefined);
    assert.deepEqual(
      mapStack('at (file:///a:1:1)', () => map),
      { text: 'at (file:///a:1:1)' },
    );
  });
});
