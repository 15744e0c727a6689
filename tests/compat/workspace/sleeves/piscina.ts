// piscina: a worker-thread pool computing returns. Refused under strict (process.workers).
import { Piscina } from 'piscina';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const closes = (await ctx.fs.readText('data/lakehouse/ohlcv/AAPL.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[4]));
  const pool = new Piscina({ filename: new URL('./lib/returns-task.mjs', import.meta.url).href, maxThreads: 1 });
  const rets = (await pool.run({ closes })) as number[];
  await pool.destroy();
  await ctx.fs.writeJson(`${ctx.runDir}/returns.json`, rets);
}
