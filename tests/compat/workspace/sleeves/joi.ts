// joi: validates and converts the trades (quantities to numbers, dates to ISO strings).
import Joi from 'joi';
import type { SleeveContext } from './lib/context.ts';

const Trade = Joi.object({
  id: Joi.string()
    .pattern(/^T\d{4}$/)
    .required(),
  symbol: Joi.string().valid('AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM', 'SPY').required(),
  date: Joi.string().isoDate().required(),
  side: Joi.string().valid('buy', 'sell').required(),
  quantity: Joi.number().integer().min(1).required(),
  price: Joi.number().positive().required(),
  fee: Joi.number().min(0).required(),
});

export default async function run(ctx: SleeveContext): Promise<void> {
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as unknown[];
  const { value, error } = Joi.array().items(Trade).validate(trades, { convert: true });
  const bad = Trade.validate({ id: 'T1', symbol: 'TSLA', side: 'buy', quantity: 0 }, { abortEarly: false });
  await ctx.fs.writeJson(`${ctx.runDir}/trades.json`, {
    ok: error === undefined,
    quantities: (value as Array<{ quantity: number }>).map((t) => t.quantity),
    errors: bad.error?.details.map((d) => ({ path: d.path, type: d.type, message: d.message })),
  });
}
