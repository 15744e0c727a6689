// fast-csv: streams OHLCV through a parser and a transforming formatter into a file.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { format, parse } from 'fast-csv';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  let rows = 0;
  await pipeline(
    fs.createReadStream(path.join(ctx.workspace, 'data/lakehouse/ohlcv/MSFT.csv')),
    parse({ headers: true }),
    format<Record<string, string>, Record<string, string | number>>({
      headers: true,
      transform: (r) => {
        rows++;
        return { date: r.date as string, close: r.close as string, rangePct: (((Number(r.high) - Number(r.low)) / Number(r.open)) * 100).toFixed(3) };
      },
    }),
    fs.createWriteStream(path.join(ctx.runDir, 'msft-ranges.csv')),
  );
  await ctx.fs.writeJson(`${ctx.runDir}/count.json`, { rows });
}
