// js-yaml: loads the config and dumps the universe grouped by sector as YAML.
import { dump, load } from 'js-yaml';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const config = load(await ctx.fs.readText('data/lakehouse/config.yaml')) as { sectors: Record<string, { cap: number }> };
  const universe = (await ctx.fs.readJson('data/lakehouse/universe.json')) as Array<{ symbol: string; sector: string }>;
  const bySector: Record<string, { cap: number | null; symbols: string[] }> = {};
  for (const u of universe) {
    bySector[u.sector] ??= { cap: config.sectors[u.sector]?.cap ?? null, symbols: [] };
    bySector[u.sector]?.symbols.push(u.symbol);
  }
  await ctx.fs.writeText(`${ctx.runDir}/sectors.yaml`, dump(bySector, { sortKeys: true, lineWidth: 80 }));
}
