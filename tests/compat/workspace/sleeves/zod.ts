// zod: validates the lakehouse trades and reports each invalid record with its path.
import { z } from 'zod';
import type { SleeveContext } from './lib/context.ts';

const Trade = z.object({
  id: z.string().regex(/^T\d{4}$/),
  symbol: z.enum(['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM', 'SPY']),
  date: z.iso.date(),
  side: z.enum(['buy', 'sell']),
  quantity: z.coerce.number().int().positive(),
  price: z.coerce.number().positive(),
  fee: z.coerce.number().nonnegative(),
});

export default async function run(ctx: SleeveContext): Promise<void> {
  const raw = (await ctx.fs.readJson('data/lakehouse/trades.json')) as unknown[];
  const broken = [{ id: 'X1', symbol: 'TSLA', date: '2024-13-01', side: 'hold', quantity: '-1', price: 'abc', fee: '0' }];
  const results = [...raw, ...broken].map((t) => {
    const r = Trade.safeParse(t);
    return r.success ? { ok: true, value: r.data } : { ok: false, issues: r.error.issues.map((i) => ({ path: i.path, code: i.code })) };
  });
  await ctx.fs.writeJson(`${ctx.runDir}/validated.json`, { valid: results.filter((r) => r.ok).length, results, schema: z.toJSONSchema(Trade) });
}
