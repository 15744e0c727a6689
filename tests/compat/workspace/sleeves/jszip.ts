// jszip: builds a zip of the universe and prices in memory, then reads it back.
import JSZip from 'jszip';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const date = new Date(Date.UTC(2024, 2, 29, 12, 0, 0));
  const zip = new JSZip();
  zip.file('universe.json', await ctx.fs.readText('data/lakehouse/universe.json'), { date });
  // createFolders: false, else jszip adds a `prices/` entry stamped with the current time
  zip.file('prices/prices.csv', await ctx.fs.readText('data/lakehouse/prices.csv'), { date, createFolders: false });
  const bytes = await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE', compressionOptions: { level: 6 } });
  await ctx.fs.writeFile(`${ctx.runDir}/bundle.zip`, bytes);
  const back = await JSZip.loadAsync(bytes);
  const names = Object.keys(back.files).sort();
  const csv = await back.file('prices/prices.csv')?.async('string');
  await ctx.fs.writeJson(`${ctx.runDir}/contents.json`, { names, csvLines: csv?.trim().split('\n').length });
}
