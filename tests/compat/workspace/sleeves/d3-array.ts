// d3-array: rollups of mean close per symbol and a histogram of daily returns.
import { bin, extent, mean, quantile, rollups, sum } from 'd3-array';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const rows = (await ctx.fs.readText('data/lakehouse/prices.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [symbol, date, close, volume] = l.split(',');
      return { symbol: symbol as string, date: date as string, close: Number(close), volume: Number(volume) };
    });
  const bySymbol = rollups(
    rows,
    (v) => ({ meanClose: mean(v, (d) => d.close), volume: sum(v, (d) => d.volume), range: extent(v, (d) => d.close) }),
    (d) => d.symbol,
  );
  const rets: number[] = [];
  for (const [, v] of rollups(
    rows,
    (g) => g,
    (d) => d.symbol,
  ))
    for (let i = 1; i < v.length; i++) rets.push((v[i] as { close: number }).close / (v[i - 1] as { close: number }).close - 1);
  const bins = bin()
    .thresholds(10)(rets)
    .map((b) => ({ x0: b.x0, x1: b.x1, count: b.length }));
  await ctx.fs.writeJson(`${ctx.runDir}/rollups.json`, { bySymbol, bins, p90: quantile(rets, 0.9) });
}
