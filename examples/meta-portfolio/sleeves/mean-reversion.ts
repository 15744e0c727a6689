// mean_reversion: buy short-term dips.
// Signal: minus the 20-day z-score of the close, (close - SMA(20)) / stdev(20); higher = more oversold.
// Eligible when the close is below its 20-day mean but above SMA(200) (a dip, not a downtrend).
// Weights: long-only minimum variance over six months of daily returns, max 25% per name.

import type { SleeveContext } from './lib/context.ts';
import { minVariance } from './lib/optimise.ts';
import { runSleeve } from './lib/pipeline.ts';
import { sma, stdev } from './lib/stats.ts';

const WINDOW = 20;
const TREND = 200;

export default async function run(ctx: SleeveContext): Promise<void> {
  await runSleeve(ctx, {
    strategy: 'mean reversion',
    signal: `-(close - SMA(${WINDOW})) / stdev(${WINDOW}); eligible if z < 0 and close > SMA(${TREND})`,
    params: { zWindow: WINDOW, trendWindow: TREND },
    selection: { count: 10, minCount: 8, maxPerSector: 3 },
    lookback: 126,
    covShrinkage: 0.15,
    meanShrinkage: 0,
    maxWeight: 0.25,
    score(closes) {
      const close = closes[closes.length - 1] ?? Number.NaN;
      const mean = sma(closes, WINDOW);
      const sd = stdev(closes, WINDOW);
      const z = sd > 0 ? (close - mean) / sd : 0;
      const trend = sma(closes, TREND);
      return { score: -z, eligible: z < 0 && close > trend, detail: { close, z, smaTrend: trend } };
    },
    allocate(est, maxWeight) {
      const r = minVariance(est.cov, { maxWeight });
      return {
        weights: r.weights,
        info: { method: 'minimum variance (projected gradient, capped simplex)', iterations: r.iterations, converged: r.converged },
      };
    },
  });
}
