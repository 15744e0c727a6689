// pino: structured logs of a scoring step to a file destination in the run dir
// (synchronous destination, no timestamp or pid, so the file is deterministic).
import path from 'node:path';
import pino from 'pino';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const dest = pino.destination({ dest: path.join(ctx.runDir, 'pino.log'), sync: true });
  const log = pino({ base: null, timestamp: false, level: 'debug' }, dest);
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as Array<{ symbol: string; sector: string }>;
  const child = log.child({ step: 'score' });
  for (const u of universe) child.info({ symbol: u.symbol, sector: u.sector }, 'scored');
  child.debug({ count: universe.length }, 'done');
  log.warn({ err: new TypeError('example failure') }, 'serialised error');
  dest.flushSync();
  dest.end();
}
