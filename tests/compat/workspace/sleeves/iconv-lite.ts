// iconv-lite: decodes a Latin-1 lakehouse file and re-encodes it as UTF-16LE and Windows-1252.
import iconv from 'iconv-lite';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const raw = await ctx.fs.readFile('data/lakehouse/fundamentals-latin1.csv');
  const text = iconv.decode(Buffer.from(raw), 'latin1');
  const names = text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(';')[1]);
  await ctx.fs.writeFile(`${ctx.runDir}/fundamentals-utf16le.csv`, iconv.encode(text, 'utf16le', { addBOM: true }));
  await ctx.fs.writeFile(`${ctx.runDir}/fundamentals-cp1252.csv`, iconv.encode(text, 'win1252'));
  await ctx.fs.writeJson(`${ctx.runDir}/names.json`, { names, supported: iconv.encodingExists('shift_jis') });
}
