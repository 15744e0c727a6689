// immer: applies trades to an immutable portfolio state and records the patches.
import { enablePatches, produce } from 'immer';
import type { SleeveContext } from './lib/context.ts';

enablePatches();

type Trade = { id: string; symbol: string; side: string; quantity: string };
type State = { positions: Record<string, number>; applied: string[] };

export default async function run(ctx: SleeveContext): Promise<void> {
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Trade[];
  let state: State = { positions: {}, applied: [] };
  const patches: unknown[] = [];
  for (const t of trades.slice(0, 15)) {
    state = produce(
      state,
      (d) => {
        d.positions[t.symbol] = (d.positions[t.symbol] ?? 0) + (t.side === 'buy' ? 1 : -1) * Number(t.quantity);
        d.applied.push(t.id);
      },
      (p) => patches.push(...p),
    );
  }
  await ctx.fs.writeJson(`${ctx.runDir}/state.json`, { state, patches, frozen: Object.isFrozen(state) });
}
