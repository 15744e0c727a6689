// @duckdb/node-api (native addon): SQL over the lakehouse CSV, read by DuckDB itself.
// Results come back to JS and are written through ctx.fs. Needs process.addons.
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const conn = await instance.connect();
  const csv = path.join(ctx.workspace, 'data/lakehouse/prices.csv').replaceAll("'", "''");
  const reader = await conn.runAndReadAll(`
    WITH p AS (SELECT symbol, date, close, close / lag(close) OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret
               FROM read_csv('${csv}', header = true, columns = {'symbol': 'VARCHAR', 'date': 'DATE', 'close': 'DOUBLE', 'volume': 'BIGINT'}))
    SELECT symbol, count(*)::INTEGER AS bars, round(avg(close), 6) AS mean_close, round(stddev_samp(ret), 10) AS vol, strftime(max(date), '%Y-%m-%d') AS last_date
    FROM p GROUP BY symbol ORDER BY symbol`);
  await ctx.fs.writeJson(`${ctx.runDir}/duckdb.json`, reader.getRowObjectsJson());
  conn.closeSync();
  instance.closeSync();
}
