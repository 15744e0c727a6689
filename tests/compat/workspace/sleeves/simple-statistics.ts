// simple-statistics: per-symbol return statistics and each stock's beta to SPY.
import * as ss from 'simple-statistics';
import type { SleeveContext } from './lib/context.ts';

function closes(csv: string): number[] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[4]));
}
const returns = (c: number[]) => c.slice(1).map((v, i) => v / (c[i] as number) - 1);

export default async function run(ctx: SleeveContext): Promise<void> {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM'];
  const spy = returns(closes(await ctx.fs.readText('data/lakehouse/ohlcv/SPY.csv')));
  const out: Record<string, unknown> = {};
  for (const s of symbols) {
    const r = returns(closes(await ctx.fs.readText(`data/lakehouse/ohlcv/${s}.csv`)));
    const fit = ss.linearRegression(spy.map((x, i) => [x, r[i] as number]));
    out[s] = {
      mean: ss.mean(r),
      stdev: ss.sampleStandardDeviation(r),
      median: ss.median(r),
      q05: ss.quantile(r, 0.05),
      skew: ss.sampleSkewness(r),
      beta: fit.m,
      alpha: fit.b,
      corr: ss.sampleCorrelation(spy, r),
    };
  }
  await ctx.fs.writeJson(`${ctx.runDir}/stats.json`, out);
}
