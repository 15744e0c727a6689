// hyparquet: reads the lakehouse's parquet prices and computes a VWAP per symbol.
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const bytes = await ctx.fs.readFile('data/lakehouse/prices.parquet');
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  const rows = (await parquetReadObjects({ file })) as Array<{ symbol: string; close: number; volume: number }>;
  const acc = new Map<string, { pv: number; v: number }>();
  for (const r of rows) {
    const a = acc.get(r.symbol) ?? { pv: 0, v: 0 };
    a.pv += r.close * Number(r.volume);
    a.v += Number(r.volume);
    acc.set(r.symbol, a);
  }
  await ctx.fs.writeJson(`${ctx.runDir}/vwap.json`, {
    rows: Number(meta.num_rows),
    columns: meta.schema.slice(1).map((s) => s.name),
    vwap: Object.fromEntries([...acc].map(([s, a]) => [s, a.pv / a.v])),
  });
}
