// tar: archives the OHLCV folder (portable headers, fixed mtime), then lists and extracts it.
import path from 'node:path';
import * as tar from 'tar';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const file = path.join(ctx.runDir, 'ohlcv.tar');
  const cwd = path.join(ctx.workspace, 'data/lakehouse');
  const names = ['ohlcv/AAPL.csv', 'ohlcv/MSFT.csv', 'ohlcv/SPY.csv'];
  await tar.create({ file, cwd, portable: true, mtime: new Date(Date.UTC(2024, 2, 29)), noDirRecurse: true }, names);
  const listed: string[] = [];
  await tar.list({ file, onReadEntry: (e) => listed.push(`${e.path} ${e.size}`) });
  const into = path.join(ctx.runDir, 'extracted');
  await ctx.fs.mkdir(into, { recursive: true });
  // noMtime: tar sets each file's time with fs.futimes, which Node's permission model disables (Node 20-24).
  await tar.extract({ file, cwd: into, noMtime: true, filter: (p) => p.endsWith('SPY.csv') });
  await ctx.fs.writeJson(`${ctx.runDir}/listing.json`, listed);
}
