// mathjs: covariance matrix of daily returns and the minimum-variance portfolio.
import { create, all } from 'mathjs';
import type { SleeveContext } from './lib/context.ts';

const math = create(all, { number: 'number' });

export default async function run(ctx: SleeveContext): Promise<void> {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM'];
  const rets: number[][] = [];
  for (const s of symbols) {
    const c = (await ctx.fs.readText(`data/lakehouse/ohlcv/${s}.csv`))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[4]));
    rets.push(c.slice(1).map((v, i) => v / (c[i] as number) - 1));
  }
  const n = rets[0]?.length ?? 0;
  const means = rets.map((r) => math.mean(r) as number);
  const cov = rets.map((a, i) =>
    rets.map((b, j) => math.sum(a.map((x, k) => (x - (means[i] as number)) * ((b[k] as number) - (means[j] as number)))) / (n - 1)),
  );
  const inv = math.inv(cov) as number[][];
  const ones = symbols.map(() => 1);
  const raw = math.multiply(inv, ones) as number[];
  const total = math.sum(raw) as number;
  const weights = Object.fromEntries(symbols.map((s, i) => [s, (raw[i] as number) / total]));
  const variance = math.multiply(math.multiply(Object.values(weights), cov), Object.values(weights)) as number;
  await ctx.fs.writeJson(`${ctx.runDir}/min-variance.json`, {
    weights,
    annualisedVolatility: math.sqrt(variance * 252),
    determinant: math.det(cov),
    expression: math.evaluate('sqrt(252) * x', { x: math.std(rets[0] as number[]) }),
  });
}
