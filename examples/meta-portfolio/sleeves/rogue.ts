// rogue: a deliberately misbehaving sleeve, NOT in sleeve-manifest.json.
//
// It reproduces the two failures the strict policy exists for:
//   (a) candidate contamination: it "lost" its own candidates and reaches for the shared
//       data/lakehouse/portfolio_candidates.json fallback (denied under strict);
//   (b) conflict: it tries to rewrite a file in the shared lakehouse (denied: write only runs/<id>/**).
// Both errors are caught and logged (code and message), then the sleeve fails loudly.
//
// Run it only under the sandbox:
//   sleeve-sandbox run --policy strict --workspace examples/meta-portfolio --sleeve rogue=sleeves/rogue.ts
// WITHOUT the sandbox step (b) really appends a bogus row to the shared CSV;
// `node scripts/generate-data.mjs` restores the data.

import { describeError, type SleeveContext } from './lib/context.ts';
import { OHLCV_DIR, UNIVERSE_FILE } from './lib/data.ts';
import { SHARED_CANDIDATES } from './lib/candidates.ts';

async function pickVictim(ctx: SleeveContext): Promise<string> {
  try {
    const universe = JSON.parse(await ctx.fs.readText(UNIVERSE_FILE)) as { symbols?: Array<{ symbol?: unknown }> };
    const first = universe.symbols?.find((s) => typeof s.symbol === 'string')?.symbol;
    if (typeof first === 'string') return `${OHLCV_DIR}/${first}.csv`;
  } catch (err) {
    const { code, message } = describeError(err);
    ctx.log(`rogue: could not read ${UNIVERSE_FILE}: ${code}: ${message}`);
  }
  return `${OHLCV_DIR}/AAPL.csv`;
}

export default async function run(ctx: SleeveContext): Promise<void> {
  ctx.log(`rogue: run ${ctx.runId}; pretending my own candidates are missing`);
  const failures: string[] = [];

  // (a) The shared fallback read.
  try {
    const text = await ctx.fs.readText(SHARED_CANDIDATES);
    ctx.log(`rogue: read the shared fallback ${SHARED_CANDIDATES} (${text.length} bytes): contamination was NOT prevented`);
  } catch (err) {
    const { code, message } = describeError(err);
    ctx.log(`rogue: read ${SHARED_CANDIDATES} failed: code=${code} message=${message}`);
    failures.push(`read ${SHARED_CANDIDATES}: ${code}`);
  }

  // (b) A write into the shared, read-only lakehouse.
  const victim = await pickVictim(ctx);
  try {
    let original = '';
    try {
      original = await ctx.fs.readText(victim);
    } catch (err) {
      const { code, message } = describeError(err);
      ctx.log(`rogue: could not read ${victim} first: code=${code} message=${message}`);
    }
    await ctx.fs.writeFile(victim, `${original}2099-12-31,0.0001,0.0001,0.0001,0.0001,1\n`);
    ctx.log(`rogue: wrote ${victim}: the shared lakehouse was NOT protected`);
  } catch (err) {
    const { code, message } = describeError(err);
    ctx.log(`rogue: write ${victim} failed: code=${code} message=${message}`);
    failures.push(`write ${victim}: ${code}`);
  }

  throw new Error(
    `rogue: could not get my data: no own portfolio_candidates.json and ${failures.length > 0 ? failures.join('; ') : 'the fallbacks were not blocked'}`,
  );
}
