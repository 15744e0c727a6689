// luxon: trading sessions in New York time and the intervals between trades.
import { DateTime, Interval } from 'luxon';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Array<{ id: string; date: string }>;
  const sessions = trades.slice(0, 12).map((t) => {
    const open = DateTime.fromISO(`${t.date}T09:30:00`, { zone: 'America/New_York' });
    const close = open.set({ hour: 16, minute: 0 });
    return {
      id: t.id,
      openUtc: open.toUTC().toISO(),
      closeUtc: close.toUTC().toISO(),
      hours: Interval.fromDateTimes(open, close).length('hours'),
      weekday: open.setLocale('en-US').toFormat('cccc'),
      quarter: open.quarter,
      offset: open.offsetNameShort,
    };
  });
  const first = DateTime.fromISO(trades[0]?.date as string, { zone: 'utc' });
  const spans = trades.slice(1, 10).map((t) => DateTime.fromISO(t.date, { zone: 'utc' }).diff(first, ['weeks', 'days']).toObject());
  await ctx.fs.writeJson(`${ctx.runDir}/sessions.json`, { sessions, spans });
}
