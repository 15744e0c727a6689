// execa: runs a child process (node --version). Refused under strict (process.childProcess).
import { execa } from 'execa';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const { stdout } = await execa(process.execPath, ['-e', 'console.log(6 * 7)']);
  await ctx.fs.writeJson(`${ctx.runDir}/child.json`, { stdout });
}
