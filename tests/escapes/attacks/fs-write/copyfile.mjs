/* @attack {"title": "copyFile (sync, callback, promises, with COPYFILE_FICLONE / _FORCE) from the run dir over and into the lakehouse"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
const src = `${run}/payload.csv`;
fs.writeFileSync(src, 'poisoned by copyFile\n');
const { COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, COPYFILE_EXCL } = fs.constants;
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['sync over', () => fs.copyFileSync(src, 'data/lakehouse/AAPL.csv')],
  ['sync new', () => fs.copyFileSync(src, 'data/lakehouse/new.csv', COPYFILE_EXCL)],
  ['sync ficlone', () => fs.copyFileSync(src, path.resolve('data/lakehouse/MSFT.csv'), COPYFILE_FICLONE)],
  ['sync ficlone force', () => fs.copyFileSync(src, 'data/lakehouse/MSFT.csv', COPYFILE_FICLONE_FORCE)],
  ['callback', () => viaCallback((cb) => fs.copyFile(src, 'data/lakehouse/ohlcv/SPY.csv', cb))],
  ['promises', () => fs.promises.copyFile(src, 'data/lakehouse/AAPL.csv')],
  ['promises new', () => fs.promises.copyFile(src, 'data/lakehouse/ohlcv/QQQ.csv')],
  ['lakehouse onto itself', () => fs.copyFileSync('data/lakehouse/MSFT.csv', 'data/lakehouse/AAPL.csv')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
