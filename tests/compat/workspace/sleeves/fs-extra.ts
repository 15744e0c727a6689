// fs-extra: mirrors the OHLCV folder into the run dir, then moves, rewrites and lists it.
// fs-extra's copy() and move() stat every parent of the destination up to / (to refuse a copy
// into itself): under a policy that allows only the run dir, the stat of runs/ is denied, so
// this sleeve copies with copyFile and moves with rename (README, Compatibility).
import path from 'node:path';
import fse from 'fs-extra';
import type { SleeveContext } from './lib/context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const mirror = path.join(ctx.runDir, 'mirror');
  await fse.ensureDir(mirror);
  const source = path.join(ctx.workspace, 'data/lakehouse/ohlcv');
  await fse.ensureDir(path.join(mirror, 'ohlcv'));
  for (const name of (await fse.readdir(source)).filter((n) => !n.endsWith('SPY.csv'))) {
    await fse.copyFile(path.join(source, name), path.join(mirror, 'ohlcv', name));
  }
  await fse.ensureDir(path.join(mirror, 'energy'));
  await fse.rename(path.join(mirror, 'ohlcv', 'XOM.csv'), path.join(mirror, 'energy', 'XOM.csv'));
  await fse.outputJson(path.join(mirror, 'meta', 'universe.json'), await fse.readJson(path.join(ctx.workspace, 'data/lakehouse/universe.json')), { spaces: 1 });
  await fse.remove(path.join(mirror, 'ohlcv', 'JPM.csv'));
  const listing = (await fse.readdir(path.join(mirror, 'ohlcv'))).sort();
  await fse.writeJson(path.join(ctx.runDir, 'listing.json'), { listing, energy: await fse.pathExists(path.join(mirror, 'energy', 'XOM.csv')) });
}
