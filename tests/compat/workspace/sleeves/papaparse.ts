// papaparse: parses the long price table and writes it pivoted (dates x symbols).
import Papa from 'papaparse';
import type { SleeveContext } from './lib/context.ts';

type Row = { symbol: string; date: string; close: number; volume: number };

export default async function run(ctx: SleeveContext): Promise<void> {
  const parsed = Papa.parse<Row>(await ctx.fs.readText('data/lakehouse/prices.csv'), { header: true, dynamicTyping: true, skipEmptyLines: true });
  const symbols = [...new Set(parsed.data.map((r) => r.symbol))].sort();
  const byDate = new Map<string, Record<string, unknown>>();
  for (const r of parsed.data) {
    const row = byDate.get(r.date) ?? { date: r.date };
    row[r.symbol] = r.close;
    byDate.set(r.date, row);
  }
  await ctx.fs.writeText(`${ctx.runDir}/pivot.csv`, Papa.unparse([...byDate.values()], { columns: ['date', ...symbols], newline: '\n' }));
  await ctx.fs.writeJson(`${ctx.runDir}/meta.json`, { fields: parsed.meta.fields, rows: parsed.data.length, errors: parsed.errors.length });
}
