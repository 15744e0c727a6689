// pino.transport: runs its transport in a worker thread, which the strict policy
// refuses (process.workers). Run bare, it writes pino-transport.log.
import path from 'node:path';
import pino from 'pino';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const transport = pino.transport({ target: 'pino/file', options: { destination: path.join(ctx.runDir, 'pino-transport.log') } });
  const log = pino({ base: null, timestamp: false }, transport);
  log.info('via a worker');
  // pino flushes the transport and ends its worker when the process exits.
}
