// Time-series helpers and the returns matrix. Pure functions over plain arrays.

import type { Panel } from './data.ts';

export const TRADING_DAYS = 252;

function requireWindow(series: number[], window: number, what: string): void {
  if (!Number.isInteger(window) || window < 1) throw new Error(`${what}: window must be a positive integer`);
  if (series.length < window) throw new Error(`${what}: need ${window} observations, have ${series.length}`);
}

/** Simple moving average of the last `window` values. */
export function sma(series: number[], window: number): number {
  requireWindow(series, window, 'sma');
  let sum = 0;
  for (let i = series.length - window; i < series.length; i++) sum += series[i] as number;
  return sum / window;
}

/** Sample standard deviation of the last `window` values. */
export function stdev(series: number[], window: number): number {
  requireWindow(series, window, 'stdev');
  const mean = sma(series, window);
  let ss = 0;
  for (let i = series.length - window; i < series.length; i++) ss += ((series[i] as number) - mean) ** 2;
  return window > 1 ? Math.sqrt(ss / (window - 1)) : 0;
}

/** Simple return over the last `window` days: close[t] / close[t - window] - 1. */
export function trailingReturn(closes: number[], window: number): number {
  requireWindow(closes, window + 1, 'trailingReturn');
  const last = closes[closes.length - 1] as number;
  const first = closes[closes.length - 1 - window] as number;
  return last / first - 1;
}

/** Daily simple returns of a close series. */
export function dailyReturns(closes: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < closes.length; i++) out.push((closes[i] as number) / (closes[i - 1] as number) - 1);
  return out;
}

/** Annualised realised volatility of the last `window` daily returns. */
export function realisedVol(closes: number[], window: number): number {
  requireWindow(closes, window + 1, 'realisedVol');
  return stdev(dailyReturns(closes.slice(-(window + 1))), window) * Math.sqrt(TRADING_DAYS);
}

export interface ReturnsMatrix {
  symbols: string[];
  /** dates[t] is the date of the return returns[t][*] (the later close). */
  dates: string[];
  /** returns[t][j]: daily simple return of symbols[j] on dates[t]. */
  returns: number[][];
}

/** Daily returns of `symbols` over the last `lookback` days of the panel. */
export function returnsMatrix(panel: Panel, symbols: string[], lookback: number): ReturnsMatrix {
  if (panel.dates.length < lookback + 1) {
    throw new Error(`returns matrix: lookback ${lookback} needs ${lookback + 1} dates, panel has ${panel.dates.length}`);
  }
  const start = panel.dates.length - lookback;
  const columns = symbols.map((s) => {
    const closes = panel.close[s];
    if (closes === undefined) throw new Error(`returns matrix: no prices for ${s}`);
    return closes;
  });
  const returns: number[][] = [];
  for (let t = start; t < panel.dates.length; t++) {
    returns.push(columns.map((c) => (c[t] as number) / (c[t - 1] as number) - 1));
  }
  return { symbols, dates: panel.dates.slice(start), returns };
}

export interface Estimates {
  /** Annualised mean of daily simple returns. */
  mean: number[];
  /** Annualised sample covariance. */
  cov: number[][];
}

/**
 * Annualised mean and covariance of a returns matrix.
 * `covShrinkage` pulls the covariance toward its diagonal (0 = sample, 1 = diagonal);
 * `meanShrinkage` pulls each mean toward the cross-sectional average (0 = sample, 1 = all equal).
 */
export function estimate(m: ReturnsMatrix, options: { covShrinkage?: number; meanShrinkage?: number } = {}): Estimates {
  const T = m.returns.length;
  const n = m.symbols.length;
  if (T < 2) throw new Error('estimate: need at least two return observations');
  const delta = options.covShrinkage ?? 0;
  const alpha = options.meanShrinkage ?? 0;
  const mu = new Array<number>(n).fill(0);
  for (const row of m.returns) for (let j = 0; j < n; j++) mu[j] = (mu[j] as number) + (row[j] as number) / T;
  const cov: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const row of m.returns) {
    for (let i = 0; i < n; i++) {
      const di = (row[i] as number) - (mu[i] as number);
      const covRow = cov[i] as number[];
      for (let j = i; j < n; j++) covRow[j] = (covRow[j] as number) + di * ((row[j] as number) - (mu[j] as number));
    }
  }
  for (let i = 0; i < n; i++) {
    const covRow = cov[i] as number[];
    for (let j = i; j < n; j++) {
      const shrink = i === j ? 1 : 1 - delta;
      const v = ((covRow[j] as number) / (T - 1)) * TRADING_DAYS * shrink;
      covRow[j] = v;
      (cov[j] as number[])[i] = v;
    }
  }
  const annualMean = mu.map((x) => x * TRADING_DAYS);
  const grand = annualMean.reduce((a, b) => a + b, 0) / n;
  return { mean: annualMean.map((x) => (1 - alpha) * x + alpha * grand), cov };
}
