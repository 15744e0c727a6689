// better-sqlite3 (native addon): loads trades into an in-memory database and runs
// window-function queries. Needs process.addons.
import Database from 'better-sqlite3';
import type { SleeveContext } from './lib/context.ts';

type Trade = { id: string; symbol: string; date: string; side: string; quantity: string; price: string };

export default async function run(ctx: SleeveContext): Promise<void> {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE trades (id TEXT PRIMARY KEY, symbol TEXT, date TEXT, side TEXT, quantity INTEGER, price REAL)');
  const insert = db.prepare('INSERT INTO trades VALUES (@id, @symbol, @date, @side, @quantity, @price)');
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Trade[];
  db.transaction((ts: Trade[]) => {
    for (const t of ts) insert.run({ ...t, quantity: Number(t.quantity), price: Number(t.price) });
  })(trades);
  const positions = db
    .prepare(`SELECT symbol, sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) AS net,
                     round(sum(quantity * price), 4) AS gross, count(*) AS n
              FROM trades GROUP BY symbol ORDER BY symbol`)
    .all();
  const running = db
    .prepare(`SELECT id, symbol, sum(quantity) OVER (PARTITION BY symbol ORDER BY date, id) AS cumulative
              FROM trades ORDER BY symbol, date, id LIMIT 12`)
    .all();
  await ctx.fs.writeJson(`${ctx.runDir}/sqlite.json`, { sqlite: db.prepare('SELECT sqlite_version() AS v').pluck().get(), positions, running });
  db.close();
}
