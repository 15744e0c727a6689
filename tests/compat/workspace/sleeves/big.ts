// big.js: realised P&L per symbol with average-cost accounting.
import Big from 'big.js';
import type { SleeveContext } from './lib/context.ts';

type Trade = { symbol: string; side: string; quantity: string; price: string; fee: string };

export default async function run(ctx: SleeveContext): Promise<void> {
  Big.DP = 12;
  Big.RM = Big.roundHalfEven;
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Trade[];
  const book = new Map<string, { qty: Big; cost: Big; realised: Big }>();
  for (const t of trades) {
    const pos = book.get(t.symbol) ?? { qty: new Big(0), cost: new Big(0), realised: new Big(0) };
    const q = new Big(t.quantity);
    if (t.side === 'buy') {
      pos.qty = pos.qty.plus(q);
      pos.cost = pos.cost.plus(q.times(t.price)).plus(t.fee);
    } else {
      const avg = pos.qty.gt(0) ? pos.cost.div(pos.qty) : new Big(t.price);
      pos.realised = pos.realised.plus(q.times(new Big(t.price).minus(avg))).minus(t.fee);
      pos.qty = pos.qty.minus(q);
      pos.cost = pos.qty.gt(0) ? avg.times(pos.qty) : new Big(0);
    }
    book.set(t.symbol, pos);
  }
  const out = Object.fromEntries([...book].map(([s, p]) => [s, { qty: p.qty.toString(), cost: p.cost.toFixed(4), realised: p.realised.toFixed(4) }]));
  await ctx.fs.writeJson(`${ctx.runDir}/pnl.json`, out);
}
