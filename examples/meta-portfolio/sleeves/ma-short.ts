// ma_short: short-window momentum.
// Signal: 20-day return, eligible when SMA(10) > SMA(30) (short-term uptrend).
// Weights: long-only mean-variance over the last quarter of daily returns, max 25% per name.

import type { SleeveContext } from './lib/context.ts';
import { meanVariance } from './lib/optimise.ts';
import { runSleeve } from './lib/pipeline.ts';
import { sma, trailingReturn } from './lib/stats.ts';

const MOMENTUM = 20;
const FAST = 10;
const SLOW = 30;
const RISK_AVERSION = 8;

export default async function run(ctx: SleeveContext): Promise<void> {
  await runSleeve(ctx, {
    strategy: 'short-window momentum',
    signal: `${MOMENTUM}-day return; eligible if SMA(${FAST}) > SMA(${SLOW})`,
    params: { momentumWindow: MOMENTUM, fastWindow: FAST, slowWindow: SLOW, riskAversion: RISK_AVERSION },
    selection: { count: 10, minCount: 8, maxPerSector: 4 },
    lookback: 63,
    covShrinkage: 0.2,
    meanShrinkage: 0.6,
    maxWeight: 0.25,
    score(closes) {
      const fast = sma(closes, FAST);
      const slow = sma(closes, SLOW);
      const momentum = trailingReturn(closes, MOMENTUM);
      return { score: momentum, eligible: fast > slow, detail: { momentum, smaFast: fast, smaSlow: slow } };
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
