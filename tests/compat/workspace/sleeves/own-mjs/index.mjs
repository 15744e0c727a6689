// A user's own ES module sleeve: locates itself with import.meta.url and
// import.meta.dirname, and loads a CommonJS package and that package's own
// package.json through createRequire, as real code does to report versions.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dayjs = require('dayjs');
const { version } = require('dayjs/package.json');

export default async function run(ctx) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dates = (await ctx.fs.readText('data/lakehouse/ohlcv/SPY.csv'))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]);
  await ctx.fs.writeJson(path.join(ctx.runDir, 'self.json'), {
    here: path.relative(ctx.workspace, here),
    dirnameAgrees: import.meta.dirname === here,
    file: path.basename(import.meta.filename ?? fileURLToPath(import.meta.url)),
    dayjsMajor: version.split('.')[0],
    span: dayjs(dates[dates.length - 1]).diff(dayjs(dates[0]), 'day'),
  });
}
