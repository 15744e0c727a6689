// report.json and report.md in the run directory. Deterministic: no clock, fixed key order,
// numbers rounded to 6 decimals.

import { joinPath, type SleeveContext } from './context.ts';

export function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/**
 * Round weights to `digits` decimals so that the rounded weights still add up to exactly 1
 * (largest-remainder method, never pushing a weight above `cap`).
 */
export function roundWeights(weights: number[], cap: number, digits = 6): number[] {
  const scale = 10 ** digits;
  const capUnits = Math.round(cap * scale);
  const exact = weights.map((w) => Math.max(w, 0) * scale);
  const units = exact.map((x) => Math.min(Math.floor(x + 1e-9), capUnits));
  let missing = scale - units.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, rem: x - (units[i] as number) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  while (missing > 0) {
    let placed = false;
    for (const { i } of order) {
      if (missing === 0) break;
      if ((units[i] as number) < capUnits) {
        units[i] = (units[i] as number) + 1;
        missing--;
        placed = true;
      }
    }
    if (!placed) break;
  }
  return units.map((u) => u / scale);
}

export interface ReportHolding {
  symbol: string;
  sector: string;
  score: number;
  weight: number;
}

export interface SleeveReport {
  version: 1;
  sleeve: string;
  strategy: string;
  asOf: string;
  params: Record<string, unknown>;
  window: { start: string; end: string; observations: number };
  optimiser: Record<string, unknown>;
  candidates: string[];
  /** symbol -> weight, largest first; sums to 1 (before rounding). */
  weights: Record<string, number>;
  sectorWeights: Record<string, number>;
  expected: { annualReturn: number; annualVolatility: number; returnToVol: number };
  holdings: ReportHolding[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function renderMarkdown(r: SleeveReport): string {
  const lines = [
    `# ${r.sleeve}: ${r.strategy}`,
    '',
    `As of ${r.asOf}. Returns window ${r.window.start} .. ${r.window.end} (${r.window.observations} days). ` + `Optimiser: ${String(r.optimiser.method)}.`,
    '',
    '| Symbol | Sector | Score | Weight |',
    '|---|---|---:|---:|',
    ...r.holdings.map((h) => `| ${h.symbol} | ${h.sector} | ${h.score.toFixed(4)} | ${pct(h.weight)} |`),
    `| **Total** | | | **${pct(r.holdings.reduce((s, h) => s + h.weight, 0))}** |`,
    '',
    `Expected annualised return ${pct(r.expected.annualReturn)}, volatility ${pct(r.expected.annualVolatility)}, ` +
      `return/vol ${r.expected.returnToVol.toFixed(2)}.`,
    '',
  ];
  return lines.join('\n');
}

export async function writeReport(ctx: SleeveContext, report: SleeveReport): Promise<void> {
  const jsonPath = joinPath(ctx.runDir, 'report.json');
  const mdPath = joinPath(ctx.runDir, 'report.md');
  await ctx.fs.writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await ctx.fs.writeFile(mdPath, renderMarkdown(report));
  ctx.log(`wrote ${jsonPath} and ${mdPath}`);
}
