// A small long-only portfolio optimiser: projected gradient descent onto the capped simplex
// { w : sum(w) = 1, 0 <= w_i <= maxWeight }. Deterministic, dependency-free, fine for tens of assets.

export interface OptimiseOptions {
  /** Upper bound on each weight (the lower bound is 0). */
  maxWeight: number;
  /** lambda in  minimise  lambda/2 * w'Cw - mu'w . Ignored by minVariance. */
  riskAversion?: number;
  maxIterations?: number;
  /** Stop when no weight moves by more than this in one step. */
  tolerance?: number;
}

export interface OptimiseResult {
  weights: number[];
  iterations: number;
  converged: boolean;
}

/** Euclidean projection of v onto { w : sum(w) = 1, 0 <= w_i <= cap } (bisection on the shift). */
export function projectCappedSimplex(v: number[], cap: number): number[] {
  const n = v.length;
  if (n === 0) throw new Error('projectCappedSimplex: empty vector');
  if (n * cap < 1 - 1e-12) {
    throw new Error(`infeasible: ${n} assets with max weight ${cap} cannot sum to 1 (need at least ${Math.ceil(1 / cap)})`);
  }
  const clip = (x: number) => Math.min(Math.max(x, 0), cap);
  const total = (tau: number) => v.reduce((s, x) => s + clip(x - tau), 0);
  let lo = Math.min(...v) - cap; // total(lo) = n * cap >= 1
  let hi = Math.max(...v); // total(hi) = 0
  for (let k = 0; k < 200 && hi - lo > 1e-15; k++) {
    const mid = (lo + hi) / 2;
    if (total(mid) > 1) lo = mid;
    else hi = mid;
  }
  const w = v.map((x) => clip(x - (lo + hi) / 2));
  // Spread the last rounding residue over the weights that are strictly inside their bounds.
  const residue = 1 - w.reduce((s, x) => s + x, 0);
  const free = w.map((x, i) => (x > 0 && x < cap ? i : -1)).filter((i) => i >= 0);
  if (free.length > 0) for (const i of free) w[i] = clip((w[i] as number) + residue / free.length);
  return w;
}

function matVec(m: number[][], v: number[]): number[] {
  return m.map((row) => row.reduce((s, x, j) => s + x * (v[j] as number), 0));
}

function dot(a: number[], b: number[]): number {
  return a.reduce((s, x, i) => s + x * (b[i] as number), 0);
}

/** Upper bound on the largest eigenvalue of a symmetric matrix (Gershgorin: max absolute row sum). */
function spectralBound(m: number[][]): number {
  return Math.max(...m.map((row) => row.reduce((s, x) => s + Math.abs(x), 0)), 1e-12);
}

/** minimise  lambda/2 * w'Cw - mu'w  over the capped simplex. */
export function meanVariance(mu: number[], cov: number[][], options: OptimiseOptions): OptimiseResult {
  const n = mu.length;
  if (cov.length !== n || cov.some((row) => row.length !== n)) throw new Error('meanVariance: dimension mismatch');
  const lambda = options.riskAversion ?? 1;
  if (!(lambda > 0)) throw new Error('meanVariance: riskAversion must be positive');
  const maxIterations = options.maxIterations ?? 20_000;
  const tolerance = options.tolerance ?? 1e-10;
  const step = 1 / (lambda * spectralBound(cov));
  let w = projectCappedSimplex(new Array<number>(n).fill(1 / n), options.maxWeight);
  for (let it = 1; it <= maxIterations; it++) {
    const cw = matVec(cov, w);
    const next = projectCappedSimplex(
      w.map((x, i) => x - step * (lambda * (cw[i] as number) - (mu[i] as number))),
      options.maxWeight,
    );
    const moved = Math.max(...next.map((x, i) => Math.abs(x - (w[i] as number))));
    w = next;
    if (moved < tolerance) return { weights: w, iterations: it, converged: true };
  }
  return { weights: w, iterations: maxIterations, converged: false };
}

/** Long-only minimum variance over the capped simplex. */
export function minVariance(cov: number[][], options: OptimiseOptions): OptimiseResult {
  return meanVariance(new Array<number>(cov.length).fill(0), cov, { ...options, riskAversion: 1 });
}

export interface PortfolioStats {
  expectedReturn: number;
  volatility: number;
}

export function portfolioStats(weights: number[], mu: number[], cov: number[][]): PortfolioStats {
  return {
    expectedReturn: dot(weights, mu),
    volatility: Math.sqrt(Math.max(dot(weights, matVec(cov, weights)), 0)),
  };
}

export interface VolTargetResult extends OptimiseResult {
  riskAversion: number;
  targetMet: boolean;
}

/**
 * The most return-seeking mean-variance portfolio whose volatility does not exceed `targetVol`:
 * bisection on log(riskAversion), since volatility falls as risk aversion rises.
 * If even the most risk-averse end misses the target, returns that portfolio with targetMet = false.
 */
export function volTarget(
  mu: number[],
  cov: number[][],
  targetVol: number,
  options: OptimiseOptions & { minRiskAversion?: number; maxRiskAversion?: number; steps?: number },
): VolTargetResult {
  const solve = (lambda: number) => {
    const r = meanVariance(mu, cov, { ...options, riskAversion: lambda });
    return { ...r, riskAversion: lambda, vol: portfolioStats(r.weights, mu, cov).volatility };
  };
  const result = (r: ReturnType<typeof solve>, targetMet: boolean): VolTargetResult => ({
    weights: r.weights,
    iterations: r.iterations,
    converged: r.converged,
    riskAversion: r.riskAversion,
    targetMet,
  });
  let lo = Math.log(options.minRiskAversion ?? 0.25);
  let hi = Math.log(options.maxRiskAversion ?? 1e4);
  const aggressive = solve(Math.exp(lo));
  if (aggressive.vol <= targetVol) return result(aggressive, true);
  let best = solve(Math.exp(hi));
  if (best.vol > targetVol) return result(best, false);
  for (let k = 0; k < (options.steps ?? 40); k++) {
    const mid = (lo + hi) / 2;
    const r = solve(Math.exp(mid));
    if (r.vol <= targetVol) {
      best = r;
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return result(best, true);
}
