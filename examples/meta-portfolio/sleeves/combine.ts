// combine: the meta-portfolio step (the manifest's "finalize"), run once after every sleeve
// succeeded. It reads each sleeve's report.json from the run dirs of THIS batch only: the
// runner lists them in SLEEVE_BATCH_RUNS, and the "combine" policy grants reading exactly
// those files through {batchRunDirs}. Earlier batches' run dirs and other runners' runs stay
// out of reach (denied by the guard and absent in the OS layer).
// Meta weights: each sleeve gets an equal share; a symbol's weight is the sum over sleeves.

import { describeError, joinPath, type SleeveContext } from './lib/context.ts';
import { loadUniverse } from './lib/data.ts';
import { round, roundWeights } from './lib/report.ts';

interface BatchRun {
  name: string;
  runId: string;
  runDir: string;
}

interface SleeveResult {
  sleeve: string;
  strategy: string;
  asOf: string;
  weights: Record<string, number>;
}

function batchRuns(ctx: SleeveContext): BatchRun[] {
  const text = ctx.env.SLEEVE_BATCH_RUNS;
  if (text === undefined) throw new Error('SLEEVE_BATCH_RUNS is not set: run this step as the manifest\'s "finalize"');
  const runs = JSON.parse(text) as BatchRun[];
  if (!Array.isArray(runs) || runs.length === 0) throw new Error('SLEEVE_BATCH_RUNS lists no sleeves');
  return runs;
}

async function readResult(ctx: SleeveContext, run: BatchRun): Promise<SleeveResult> {
  const file = joinPath(run.runDir, 'report.json');
  let parsed: Partial<SleeveResult>;
  try {
    parsed = JSON.parse(await ctx.fs.readFile(file, 'utf8')) as Partial<SleeveResult>;
  } catch (err) {
    const e = describeError(err);
    throw new Error(`${run.name}: cannot read ${file} (${e.code}): ${e.message}`);
  }
  const weights = parsed.weights ?? {};
  const sum = Object.values(weights).reduce((a, b) => a + b, 0);
  if (Object.keys(weights).length === 0 || Math.abs(sum - 1) > 1e-4) throw new Error(`${run.name}: report.json weights sum to ${sum}, expected 1`);
  return { sleeve: parsed.sleeve ?? run.name, strategy: parsed.strategy ?? '', asOf: parsed.asOf ?? '', weights };
}

export default async function run(ctx: SleeveContext): Promise<void> {
  const runs = batchRuns(ctx).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const results: SleeveResult[] = [];
  for (const r of runs) results.push(await readResult(ctx, r));
  const share = 1 / results.length;
  const combined = new Map<string, number>();
  for (const r of results) for (const [symbol, w] of Object.entries(r.weights)) combined.set(symbol, (combined.get(symbol) ?? 0) + share * w);
  const symbols = [...combined.keys()].sort();
  const rounded = roundWeights(
    symbols.map((s) => combined.get(s) ?? 0),
    1,
  );
  const sectorOf = new Map((await loadUniverse(ctx)).map((u) => [u.symbol, u.sector]));
  const holdings = symbols
    .map((symbol, i) => ({ symbol, sector: sectorOf.get(symbol) ?? 'Unknown', weight: rounded[i] ?? 0 }))
    .sort((a, b) => b.weight - a.weight || (a.symbol < b.symbol ? -1 : 1));
  const meta = {
    version: 1,
    step: ctx.name,
    method: 'equal share per sleeve, weights summed per symbol',
    asOf: results.map((r) => r.asOf).sort()[0] ?? '',
    sleeves: runs.map((r, i) => ({ name: r.name, runId: r.runId, strategy: results[i]?.strategy ?? '', share: round(share) })),
    weights: Object.fromEntries(holdings.map((h) => [h.symbol, h.weight])),
    holdings,
  };
  await ctx.fs.writeFile(joinPath(ctx.runDir, 'meta_portfolio.json'), `${JSON.stringify(meta, null, 2)}\n`);
  const md = [
    `# Meta portfolio of ${runs.length} sleeves`,
    '',
    ...runs.map((r, i) => `- ${r.name} (${results[i]?.strategy ?? ''}): ${(share * 100).toFixed(2)}%`),
    '',
    '| Symbol | Sector | Weight |',
    '|---|---|---:|',
    ...holdings.map((h) => `| ${h.symbol} | ${h.sector} | ${(h.weight * 100).toFixed(2)}% |`),
    '',
  ].join('\n');
  await ctx.fs.writeFile(joinPath(ctx.runDir, 'meta_portfolio.md'), md);
  ctx.log(`combined ${runs.length} sleeves into ${holdings.length} names; largest ${holdings[0]?.symbol} ${((holdings[0]?.weight ?? 0) * 100).toFixed(2)}%`);
}
