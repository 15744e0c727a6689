// debug: namespaced debug output, enabled in code and captured into a file.
import { format } from 'node:util';
import createDebug from 'debug';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const lines: string[] = [];
  createDebug.enable('compat:*,-compat:noisy');
  (createDebug as unknown as { inspectOpts: Record<string, unknown> }).inspectOpts.hideDate = true;
  const log = createDebug('compat:load');
  const noisy = createDebug('compat:noisy');
  log.useColors = false;
  log.log = (...args: unknown[]) => lines.push(format(...args));
  noisy.log = log.log;
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as Array<{ symbol: string }>;
  log(
    'loaded %d symbols: %o',
    universe.length,
    universe.map((u) => u.symbol),
  );
  noisy('never shown');
  await ctx.fs.writeText(
    `${ctx.runDir}/debug.log`,
    `${lines.join('\n')}\nenabled=${createDebug.enabled('compat:load')},${createDebug.enabled('compat:noisy')}\n`,
  );
}
