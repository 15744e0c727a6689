// bignumber.js: gross traded value per symbol, formatted for a report.
import BigNumber from 'bignumber.js';
import type { SleeveContext } from './lib/context.ts';

type Trade = { symbol: string; quantity: string; price: string };

export default async function run(ctx: SleeveContext): Promise<void> {
  const BN = BigNumber.clone({ DECIMAL_PLACES: 10, ROUNDING_MODE: BigNumber.ROUND_HALF_EVEN });
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Trade[];
  const gross = new Map<string, BigNumber>();
  for (const t of trades) gross.set(t.symbol, (gross.get(t.symbol) ?? new BN(0)).plus(new BN(t.quantity).times(t.price)));
  const total = BN.sum(...gross.values());
  const rows = [...gross].map(([s, v]) => `${s}\t${v.toFormat(2)}\t${v.div(total).times(100).toFixed(3)}%`);
  await ctx.fs.writeText(`${ctx.runDir}/gross.tsv`, `${rows.join('\n')}\nTOTAL\t${total.toFormat(2)}\n`);
}
