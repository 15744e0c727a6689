// dayjs: month-end closes and month-over-month returns per symbol (UTC).
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import type { SleeveContext } from './lib/context.ts';

dayjs.extend(utc);

export default async function run(ctx: SleeveContext): Promise<void> {
  const rows = (await ctx.fs.readText('data/lakehouse/prices.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const monthEnd = new Map<string, { date: string; close: number }>();
  for (const [symbol, date, close] of rows) {
    const key = `${symbol}|${dayjs.utc(date).format('YYYY-MM')}`;
    const prev = monthEnd.get(key);
    if (!prev || dayjs.utc(date).isAfter(dayjs.utc(prev.date))) monthEnd.set(key, { date: date as string, close: Number(close) });
  }
  const out = [...monthEnd.entries()].map(([k, v]) => {
    const [symbol, month] = k.split('|');
    return {
      symbol,
      month,
      lastTradingDay: v.date,
      weekday: dayjs.utc(v.date).format('dddd'),
      daysToMonthEnd: dayjs.utc(v.date).endOf('month').diff(dayjs.utc(v.date), 'day'),
      close: v.close,
    };
  });
  await ctx.fs.writeJson(`${ctx.runDir}/month-ends.json`, out);
}
