// lodash: per-symbol summaries (groupBy, meanBy, maxBy, orderBy, chunk).
import _ from 'lodash';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const rows = (await ctx.fs.readText('data/lakehouse/prices.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => _.zipObject(['symbol', 'date', 'close', 'volume'], l.split(',')))
    .map((r) => ({ ...r, close: _.toNumber(r.close), volume: _.toNumber(r.volume) }));
  const summary = _.map(_.groupBy(rows, 'symbol'), (v, symbol) => ({
    symbol,
    meanClose: _.round(_.meanBy(v, 'close'), 4),
    best: _.maxBy(v, 'close')?.date,
    weeks: _.chunk(v, 5).length,
    volume: _.sumBy(v, 'volume'),
  }));
  await ctx.fs.writeJson(`${ctx.runDir}/summary.json`, _.orderBy(summary, ['volume'], ['desc']));
}
