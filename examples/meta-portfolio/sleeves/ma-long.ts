// ma_long: long-horizon moving-average trend.
// Signal: SMA(50) / SMA(200) - 1, eligible when close > SMA(200) and SMA(50) > SMA(200).
// Weights: long-only mean-variance over a year of daily returns, max 25% per name.

import type { SleeveContext } from './lib/context.ts';
import { meanVariance } from './lib/optimise.ts';
import { runSleeve } from './lib/pipeline.ts';
import { sma } from './lib/stats.ts';

const FAST = 50;
const SLOW = 200;
const RISK_AVERSION = 4;

export default async function run(ctx: SleeveContext): Promise<void> {
  await runSleeve(ctx, {
    strategy: 'long moving-average trend',
    signal: `SMA(${FAST}) / SMA(${SLOW}) - 1; eligible if close > SMA(${SLOW}) and SMA(${FAST}) > SMA(${SLOW})`,
    params: { fastWindow: FAST, slowWindow: SLOW, riskAversion: RISK_AVERSION },
    selection: { count: 10, minCount: 8, maxPerSector: 3 },
    lookback: 252,
    covShrinkage: 0.1,
    meanShrinkage: 0.5,
    maxWeight: 0.25,
    score(closes) {
      const close = closes[closes.length - 1] ?? Number.NaN;
      const fast = sma(closes, FAST);
      const slow = sma(closes, SLOW);
      return {
        score: fast / slow - 1,
        eligible: close > slow && fast > slow,
        detail: { close, smaFast: fast, smaSlow: slow },
      };
    },
    allocate(est, maxWeight) {
      const r = meanVariance(est.mean, est.cov, { maxWeight, riskAversion: RISK_AVERSION });
      return {
        weights: r.weights,
        info: { method: 'mean-variance (projected gradient, capped simplex)', riskAversion: RISK_AVERSION, iterations: r.iterations, converged: r.converged },
      };
    },
  });
}
