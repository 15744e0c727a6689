// csv-parse: parses OHLCV with typed columns and writes daily returns and ranges.
import { parse } from 'csv-parse/sync';
import type { SleeveContext } from './lib/context.ts';

type Bar = { date: string; open: number; high: number; low: number; close: number; volume: number };

export default async function run(ctx: SleeveContext): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const s of ['AAPL', 'MSFT', 'XOM']) {
    const bars = parse(await ctx.fs.readText(`data/lakehouse/ohlcv/${s}.csv`), {
      columns: true,
      cast: (v, c) => (c.column === 'date' ? v : Number(v)),
    }) as Bar[];
    out[s] = bars.slice(1).map((b, i) => ({ date: b.date, ret: b.close / (bars[i] as Bar).close - 1, range: (b.high - b.low) / b.open }));
  }
  const semi = parse('symbol;name\nGLE;"Soci;ete"\n', { delimiter: ';', columns: true });
  await ctx.fs.writeJson(`${ctx.runDir}/returns.json`, { out, semi });
}
