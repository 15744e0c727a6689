// fs-extra: mirrors the OHLCV folder into the run dir, then moves, rewrites and lists it.
import path from 'node:path';
import fse from 'fs-extra';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const mirror = path.join(ctx.runDir, 'mirror');
  await fse.ensureDir(mirror);
  await fse.copy(path.join(ctx.workspace, 'data/lakehouse/ohlcv'), path.join(mirror, 'ohlcv'), { filter: (src) => !src.endsWith('SPY.csv') });
  await fse.move(path.join(mirror, 'ohlcv', 'XOM.csv'), path.join(mirror, 'energy', 'XOM.csv'));
  await fse.outputJson(path.join(mirror, 'meta', 'universe.json'), await fse.readJson(path.join(ctx.workspace, 'data/lakehouse/universe.json')), { spaces: 1 });
  await fse.remove(path.join(mirror, 'ohlcv', 'JPM.csv'));
  const listing = (await fse.readdir(path.join(mirror, 'ohlcv'))).sort();
  await fse.writeJson(path.join(ctx.runDir, 'listing.json'), { listing, energy: await fse.pathExists(path.join(mirror, 'energy', 'XOM.csv')) });
}
