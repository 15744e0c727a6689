// axios: the same quote through axios's Node http adapter. Refused under strict (net).
import axios from 'axios';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const res = await axios.get(`http://127.0.0.1:${ctx.args[0]}/quote/MSFT`, { proxy: false });
  await ctx.fs.writeJson(`${ctx.runDir}/quote.json`, res.data);
}
