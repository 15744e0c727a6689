// hyparquet-writer: writes daily returns as a parquet file (read back with hyparquet to check).
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const symbol: string[] = [];
  const date: string[] = [];
  const ret: number[] = [];
  for (const s of ['AAPL', 'MSFT', 'NVDA']) {
    const rows = (await ctx.fs.readText(`data/lakehouse/ohlcv/${s}.csv`))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    for (let i = 1; i < rows.length; i++) {
      symbol.push(s);
      date.push(rows[i]?.[0] as string);
      ret.push(Number(rows[i]?.[4]) / Number(rows[i - 1]?.[4]) - 1);
    }
  }
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'symbol', data: symbol, type: 'STRING' },
      { name: 'date', data: date, type: 'STRING' },
      { name: 'ret', data: ret, type: 'DOUBLE' },
    ],
  });
  await ctx.fs.writeFile(`${ctx.runDir}/returns.parquet`, new Uint8Array(buf));
  const back = (await parquetReadObjects({ file: buf })) as Array<{ ret: number }>;
  await ctx.fs.writeJson(`${ctx.runDir}/check.json`, { rows: back.length, same: back.every((r, i) => r.ret === ret[i]) });
}
