// yaml: reads the pipeline config, tightens it, and writes it back with its comments.
import { parseDocument } from 'yaml';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const doc = parseDocument(await ctx.fs.readText('data/lakehouse/config.yaml'));
  doc.setIn(['risk', 'maxWeight'], 0.2);
  doc.setIn(['pipeline', 'lookbackDays'], 40);
  doc.addIn(['universe', 'include'], 'SPY');
  await ctx.fs.writeText(`${ctx.runDir}/config.tightened.yaml`, doc.toString());
  await ctx.fs.writeJson(`${ctx.runDir}/config.json`, doc.toJS());
}
