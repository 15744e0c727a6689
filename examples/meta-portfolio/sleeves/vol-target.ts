// vol_target: low-volatility names, sized to a volatility target.
// Signal: minus the 63-day realised volatility (calmest names first), at most 3 per sector.
// Weights: the most return-seeking long-only mean-variance portfolio whose expected
// volatility stays at or under TARGET_VOL (bisection on risk aversion), max 25% per name.

import type { SleeveContext } from './lib/context.ts';
import { volTarget } from './lib/optimise.ts';
import { runSleeve } from './lib/pipeline.ts';
import { realisedVol, trailingReturn } from './lib/stats.ts';

const VOL_WINDOW = 63;
const TARGET_VOL = 0.13;

export default async function run(ctx: SleeveContext): Promise<void> {
  await runSleeve(ctx, {
    strategy: 'volatility target',
    signal: `-realisedVol(${VOL_WINDOW}d, annualised); all eligible`,
    params: { volWindow: VOL_WINDOW, targetVolatility: TARGET_VOL },
    selection: { count: 12, minCount: 8, maxPerSector: 3 },
    lookback: 252,
    covShrinkage: 0.1,
    meanShrinkage: 0.5,
    maxWeight: 0.25,
    score(closes) {
      const vol = realisedVol(closes, VOL_WINDOW);
      return { score: -vol, eligible: true, detail: { realisedVol: vol, return63d: trailingReturn(closes, VOL_WINDOW) } };
    },
    allocate(est, maxWeight) {
      const r = volTarget(est.mean, est.cov, TARGET_VOL, { maxWeight });
      return {
        weights: r.weights,
        info: {
          method: 'volatility-targeted mean-variance (bisection on risk aversion)',
          targetVolatility: TARGET_VOL,
          targetMet: r.targetMet,
          riskAversion: Math.round(r.riskAversion * 1e6) / 1e6,
          iterations: r.iterations,
          converged: r.converged,
        },
      };
    },
  });
}
