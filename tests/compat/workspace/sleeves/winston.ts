// winston: a logger with a file transport (JSON lines, no timestamps) and a level filter.
import path from 'node:path';
import winston from 'winston';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const file = new winston.transports.File({ filename: path.join(ctx.runDir, 'winston.log'), format: winston.format.json() });
  const errors = new winston.transports.File({ filename: path.join(ctx.runDir, 'winston-errors.log'), level: 'error', format: winston.format.simple() });
  const logger = winston.createLogger({ level: 'info', defaultMeta: { sleeve: ctx.name }, transports: [file, errors] });
  const trades = (await ctx.fs.readJson('data/lakehouse/trades.json')) as Array<{ id: string; symbol: string; quantity: string }>;
  for (const t of trades.slice(0, 10)) logger.info('trade', { id: t.id, symbol: t.symbol, quantity: Number(t.quantity) });
  logger.debug('not written: below the level');
  logger.error('a rejected trade', { id: 'T9999' });
  // Each file transport finishes once its stream has flushed and closed.
  const closed = [file, errors].map((t) => new Promise((resolve) => t.once('finish', resolve)));
  logger.end();
  await Promise.all(closed);
}
