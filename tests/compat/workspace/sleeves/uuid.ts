// uuid: stable name-based (v5) ids for each trade, validated and parsed.
import { parse, v5, validate, version } from 'uuid';
import type { SleeveContext } from './lib/context.ts';

const NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

export default async function run(ctx: SleeveContext): Promise<void> {
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Array<{ id: string; symbol: string; date: string }>;
  const ids = trades.map((t) => {
    const id = v5(`${t.id}/${t.symbol}/${t.date}`, NAMESPACE);
    return { trade: t.id, uuid: id, valid: validate(id), version: version(id), firstByte: parse(id)[0] };
  });
  await ctx.fs.writeJson(`${ctx.runDir}/ids.json`, ids);
}
