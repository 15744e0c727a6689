// jstat: a one-sample t-test of mean daily return per symbol and a normal 95% VaR.
import jStatModule from 'jstat';
import type { SleeveContext } from './lib/context.ts';

type Sample = number[];
interface JStat {
  mean(x: Sample): number;
  stdev(x: Sample, sample: boolean): number;
  tscore(mu: number, x: Sample): number;
  ttest(mu: number, x: Sample, sides: number): number;
  tci(mean: number, alpha: number, x: Sample): number[];
  normal: { inv(p: number, mean: number, sd: number): number };
}
const { jStat } = jStatModule as unknown as { jStat: JStat };

export default async function run(ctx: SleeveContext): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const s of ['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM', 'SPY']) {
    const c = (await ctx.fs.readText(`data/lakehouse/ohlcv/${s}.csv`))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[4]));
    const r = c.slice(1).map((v, i) => v / (c[i] as number) - 1);
    const mean = jStat.mean(r);
    const sd = jStat.stdev(r, true);
    out[s] = {
      mean,
      sd,
      tScore: jStat.tscore(0, r),
      pValue: jStat.ttest(0, r, 2),
      var95: -jStat.normal.inv(0.05, mean, sd),
      ci: jStat.tci(mean, 0.05, r),
    };
  }
  await ctx.fs.writeJson(`${ctx.runDir}/tests.json`, out);
}
