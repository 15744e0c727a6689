// nanoid: short batch ids from a seeded generator (customRandom), so runs repeat.
import { customRandom } from 'nanoid';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as Array<{ symbol: string }>;
  let seed = 42;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  const id = customRandom('0123456789abcdefghijklmnopqrstuvwxyz', 12, (size) => Uint8Array.from({ length: size }, next));
  const batches = universe.map((u) => ({ symbol: u.symbol, batch: id() }));
  await ctx.fs.writeJson(`${ctx.runDir}/batches.json`, { batches });
}
