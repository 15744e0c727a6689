// undici: fetches a quote from a local HTTP server (the port is the first argument).
// The strict policy refuses the network (net); run bare, it writes quote.json.
import { request } from 'undici';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const res = await request(`http://127.0.0.1:${ctx.args[0]}/quote/AAPL`);
  await ctx.fs.writeJson(`${ctx.runDir}/quote.json`, await res.body.json());
}
