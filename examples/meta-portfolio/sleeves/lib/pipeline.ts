// The shared shape of every strategy sleeve:
//   lakehouse -> score symbols -> own candidates (written, then read back from the run dir)
//   -> returns matrix -> optimiser -> report.json + report.md

import { readOwnCandidates, type Scored, type SelectionRule, selectCandidates, writeOwnCandidates } from './candidates.ts';
import type { SleeveContext } from './context.ts';
import { loadPanel, type Panel } from './data.ts';
import { type Estimates, estimate, returnsMatrix } from './stats.ts';
import { portfolioStats } from './optimise.ts';
import { round, roundWeights, type SleeveReport, writeReport } from './report.ts';

export interface Allocation {
  weights: number[];
  /** Shown in report.json under "optimiser"; must include "method". */
  info: { method: string } & Record<string, string | number | boolean>;
}

export interface SleeveSpec {
  /** One line for the report title, e.g. "long moving-average trend". */
  strategy: string;
  /** How the score is computed, for the candidates file. */
  signal: string;
  /** Strategy parameters, copied into the report. */
  params: Record<string, string | number | boolean>;
  selection: SelectionRule;
  /** Days of daily returns fed to the optimiser. */
  lookback: number;
  covShrinkage: number;
  meanShrinkage: number;
  maxWeight: number;
  /** Score one symbol from its history; return NaN score to exclude it. */
  score(closes: number[], symbol: string, panel: Panel): { score: number; eligible: boolean; detail: Record<string, number> };
  allocate(est: Estimates, maxWeight: number): Allocation;
}

export async function runSleeve(ctx: SleeveContext, spec: SleeveSpec): Promise<SleeveReport> {
  ctx.log(`sleeve ${ctx.name} (${spec.strategy}) run ${ctx.runId}`);
  const panel = await loadPanel(ctx);
  const asOf = panel.dates[panel.dates.length - 1] ?? '';

  // 1. Our own candidates, by our own signal.
  const scored: Scored[] = panel.symbols.map((symbol) => ({
    symbol,
    sector: panel.sectors[symbol] ?? 'Unknown',
    ...spec.score(panel.close[symbol] ?? [], symbol, panel),
  }));
  const picked = selectCandidates(scored, spec.selection);
  await writeOwnCandidates(ctx, asOf, spec.signal, picked);

  // 2. Read them back from OUR run directory (the only source we trust; no shared fallback).
  const own = await readOwnCandidates(ctx);
  const symbols = own.symbols;
  const scoreOf = new Map(own.candidates.map((c) => [c.symbol, c.score]));

  // 3. Returns, estimates, weights.
  const matrix = returnsMatrix(panel, symbols, spec.lookback);
  const est = estimate(matrix, { covShrinkage: spec.covShrinkage, meanShrinkage: spec.meanShrinkage });
  const allocation = spec.allocate(est, spec.maxWeight);
  const w = allocation.weights;
  const sum = w.reduce((a, b) => a + b, 0);
  if (w.length !== symbols.length || Math.abs(sum - 1) > 1e-9 || w.some((x) => x < -1e-12 || x > spec.maxWeight + 1e-9)) {
    throw new Error(`${ctx.name}: optimiser returned infeasible weights (sum ${sum})`);
  }
  const stats = portfolioStats(w, est.mean, est.cov);

  // 4. Report.
  const rounded = roundWeights(w, spec.maxWeight);
  const holdings = symbols
    .map((symbol, i) => ({
      symbol,
      sector: panel.sectors[symbol] ?? 'Unknown',
      score: round(scoreOf.get(symbol) ?? Number.NaN),
      weight: rounded[i] ?? 0,
    }))
    .sort((a, b) => b.weight - a.weight || (a.symbol < b.symbol ? -1 : 1));
  const sectorWeights: Record<string, number> = {};
  symbols.forEach((symbol, i) => {
    const sector = panel.sectors[symbol] ?? 'Unknown';
    sectorWeights[sector] = (sectorWeights[sector] ?? 0) + (rounded[i] ?? 0);
  });
  const report: SleeveReport = {
    version: 1,
    sleeve: ctx.name,
    strategy: spec.strategy,
    asOf,
    params: {
      ...spec.params,
      candidates: spec.selection.count,
      minCandidates: spec.selection.minCount,
      maxPerSector: spec.selection.maxPerSector,
      lookbackDays: spec.lookback,
      covShrinkage: spec.covShrinkage,
      meanShrinkage: spec.meanShrinkage,
      maxWeight: spec.maxWeight,
    },
    window: { start: matrix.dates[0] ?? '', end: matrix.dates[matrix.dates.length - 1] ?? '', observations: matrix.returns.length },
    optimiser: allocation.info,
    candidates: symbols,
    weights: Object.fromEntries(holdings.map((h) => [h.symbol, h.weight])),
    sectorWeights: Object.fromEntries(
      Object.entries(sectorWeights)
        .map(([k, v]) => [k, round(v)] as const)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    ),
    expected: {
      annualReturn: round(stats.expectedReturn),
      annualVolatility: round(stats.volatility),
      returnToVol: round(stats.volatility > 0 ? stats.expectedReturn / stats.volatility : 0),
    },
    holdings,
  };
  await writeReport(ctx, report);
  ctx.log(
    `done: ${holdings.filter((h) => h.weight > 0).length}/${symbols.length} names held, ` +
      `expected return ${(stats.expectedReturn * 100).toFixed(2)}%, vol ${(stats.volatility * 100).toFixed(2)}%`,
  );
  return report;
}
