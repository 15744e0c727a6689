// apache-arrow: reads the lakehouse's Arrow IPC prices, aggregates per symbol, writes an Arrow file.
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const table = tableFromIPC(await ctx.fs.readFile('data/lakehouse/prices.arrow'));
  const symbols = table.getChild('symbol')?.toArray() as string[];
  const closes = table.getChild('close')?.toArray() as Float64Array;
  const agg = new Map<string, { n: number; sum: number; max: number }>();
  symbols.forEach((s, i) => {
    const a = agg.get(s) ?? { n: 0, sum: 0, max: -Infinity };
    const c = closes[i] as number;
    a.n++;
    a.sum += c;
    a.max = Math.max(a.max, c);
    agg.set(s, a);
  });
  const keys = [...agg.keys()].sort();
  const out = tableFromArrays({
    symbol: keys,
    mean: Float64Array.from(keys.map((k) => (agg.get(k)?.sum ?? 0) / (agg.get(k)?.n ?? 1))),
    max: Float64Array.from(keys.map((k) => agg.get(k)?.max ?? 0)),
  });
  await ctx.fs.writeFile(`${ctx.runDir}/summary.arrow`, tableToIPC(out, 'file'));
  await ctx.fs.writeJson(`${ctx.runDir}/summary.json`, {
    rows: table.numRows,
    schema: table.schema.fields.map((f) => `${f.name}:${f.type}`),
    summary: out.toArray().map((r) => r.toJSON()),
  });
}
