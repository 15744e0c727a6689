// csv-stringify: writes an equal-weight target portfolio as CSV, quoting where needed.
import { stringify } from 'csv-stringify/sync';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as Array<{ symbol: string; name: string; sector: string }>;
  const stocks = universe.filter((u) => u.sector !== 'Index');
  const rows = stocks.map((u) => ({
    symbol: u.symbol,
    name: u.name,
    sector: u.sector,
    weight: (1 / stocks.length).toFixed(6),
    note: u.name.includes('&') ? 'bank, "money centre"' : '',
  }));
  await ctx.fs.writeText(`${ctx.runDir}/targets.csv`, stringify(rows, { header: true, quoted_match: /,/ }));
}
