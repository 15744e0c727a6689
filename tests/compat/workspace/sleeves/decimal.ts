// decimal.js: exact trade notionals and fees at 40 significant digits.
import Decimal from 'decimal.js';
import type { SleeveContext } from './lib/context.ts';

type Trade = { id: string; symbol: string; side: string; quantity: string; price: string; fee: string };

export default async function run(ctx: SleeveContext): Promise<void> {
  const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Trade[];
  let cash = new D(0);
  const lines = trades.map((t) => {
    const notional = new D(t.quantity).times(t.price);
    const signed = t.side === 'buy' ? notional.neg().minus(t.fee) : notional.minus(t.fee);
    cash = cash.plus(signed);
    return { id: t.id, notional: notional.toFixed(4), cashFlow: signed.toFixed(6) };
  });
  await ctx.fs.writeJson(`${ctx.runDir}/cash.json`, { lines, cash: cash.toFixed(6), sqrtTwo: D.sqrt(2).toString(), third: new D(1).div(3).toString() });
}
