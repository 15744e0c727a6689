// ramda: a point-free pipeline from rows to the top five volume days.
import * as R from 'ramda';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const text = await ctx.fs.readText('data/lakehouse/prices.csv');
  const toRow = R.pipe(R.split(','), R.zipObj(['symbol', 'date', 'close', 'volume']), R.evolve({ close: Number, volume: Number }));
  const top = R.pipe(R.trim, R.split('\n'), R.drop(1), R.map(toRow), R.sortWith([R.descend(R.prop('volume')), R.ascend(R.prop('date'))]), R.take(5));
  const perSymbol = R.pipe(R.trim, R.split('\n'), R.drop(1), R.map(toRow), R.groupBy(R.prop('symbol')), R.map(R.pipe(R.pluck('close'), R.mean)));
  await ctx.fs.writeJson(`${ctx.runDir}/top.json`, { top: top(text), meanClose: perSymbol(text) });
}
