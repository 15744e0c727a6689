// pino: structured logs of a scoring step to a file destination in the run dir
// (synchronous destination, no timestamp or pid, so the file is deterministic).
import path from 'node:path';
import pino from 'pino';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const dest = pino.destination({ dest: path.join(ctx.runDir, 'pino.log'), sync: true });
  // Errors without their stack: a stack names the host's frames, which no two harnesses share.
  const serializers = { err: (e: Error) => ({ type: e.name, message: e.message }) };
  const log = pino({ base: null, timestamp: false, level: 'debug', serializers }, dest);
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as Array<{ symbol: string; sector: string }>;
  const child = log.child({ step: 'score' });
  for (const u of universe) child.info({ symbol: u.symbol, sector: u.sector }, 'scored');
  child.debug({ count: universe.length }, 'done');
  log.warn({ err: new TypeError('example failure') }, 'serialised error');
  dest.flushSync();
  dest.end();
}
