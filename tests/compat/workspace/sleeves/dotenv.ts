// dotenv: parses the lakehouse's settings file (never the process environment) and expands typed settings.
import dotenv from 'dotenv';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const parsed = dotenv.parse(await ctx.fs.readText('data/lakehouse/settings.env'));
  await ctx.fs.writeJson(`${ctx.runDir}/settings.json`, {
    parsed,
    typed: { lookbackDays: Number(parsed.LOOKBACK_DAYS), riskFree: Number(parsed.RISK_FREE_RATE), currency: parsed.BASE_CURRENCY },
  });
}
