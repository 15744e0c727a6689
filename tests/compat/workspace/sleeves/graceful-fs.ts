// graceful-fs: reads every OHLCV file concurrently and writes per-file summaries.
import path from 'node:path';
import gfs from 'graceful-fs';
import type { SleeveContext } from './lib/context.ts';

const readFile = (p: string) => new Promise<string>((res, rej) => gfs.readFile(p, 'utf8', (e, d) => (e ? rej(e) : res(d))));
const writeFile = (p: string, d: string) => new Promise<void>((res, rej) => gfs.writeFile(p, d, (e) => (e ? rej(e) : res())));

export default async function run(ctx: SleeveContext): Promise<void> {
  const dir = path.join(ctx.workspace, 'data/lakehouse/ohlcv');
  const names = (await new Promise<string[]>((res, rej) => gfs.readdir(dir, (e, n) => (e ? rej(e) : res(n))))).sort();
  const summaries = await Promise.all(
    names.map(async (n) => {
      const rows = (await readFile(path.join(dir, n))).trim().split('\n');
      const last = rows[rows.length - 1]?.split(',') ?? [];
      const line = `${n.replace('.csv', '')},${rows.length - 1},${last[4]}\n`;
      await writeFile(path.join(ctx.runDir, `${n}.summary`), line);
      return line;
    }),
  );
  await writeFile(path.join(ctx.runDir, 'all.csv'), `symbol,bars,lastClose\n${summaries.join('')}`);
}
