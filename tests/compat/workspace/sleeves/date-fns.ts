// date-fns: a weekly (Friday) rebalance calendar over the lakehouse's date range.
import { addDays, differenceInBusinessDays, eachWeekOfInterval, format, getISOWeek, parseISO } from 'date-fns';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const dates = (await ctx.fs.readText('data/lakehouse/ohlcv/SPY.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0] as string);
  const first = parseISO(`${dates[0]}T00:00:00Z`);
  const last = parseISO(`${dates[dates.length - 1]}T00:00:00Z`);
  const trading = new Set(dates);
  const fridays = eachWeekOfInterval({ start: first, end: last }, { weekStartsOn: 5 }).map((d) => addDays(d, 0));
  const calendar = fridays.map((d) => {
    const iso = d.toISOString().slice(0, 10);
    return { date: iso, isoWeek: getISOWeek(d), label: format(d, 'EEE d MMM yyyy'), trading: trading.has(iso) };
  });
  await ctx.fs.writeJson(`${ctx.runDir}/calendar.json`, { businessDays: differenceInBusinessDays(last, first), calendar });
}
