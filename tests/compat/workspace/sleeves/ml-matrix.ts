// ml-matrix: ordinary least squares of AAPL returns on MSFT and SPY returns, and an SVD.
import { Matrix, SingularValueDecomposition, solve } from 'ml-matrix';
import type { SleeveContext } from './lib/context.ts';

async function returns(ctx: SleeveContext, s: string): Promise<number[]> {
  const c = (await ctx.fs.readText(`data/lakehouse/ohlcv/${s}.csv`))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[4]));
  return c.slice(1).map((v, i) => v / (c[i] as number) - 1);
}

export default async function run(ctx: SleeveContext): Promise<void> {
  const y = await returns(ctx, 'AAPL');
  const x1 = await returns(ctx, 'MSFT');
  const x2 = await returns(ctx, 'SPY');
  const X = new Matrix(y.map((_, i) => [1, x1[i] as number, x2[i] as number]));
  const Y = Matrix.columnVector(y);
  const beta = solve(X, Y);
  const svd = new SingularValueDecomposition(X);
  await ctx.fs.writeJson(`${ctx.runDir}/ols.json`, {
    coefficients: beta.to1DArray(),
    singularValues: svd.diagonal,
    rank: svd.rank,
    condition: svd.condition,
  });
}
