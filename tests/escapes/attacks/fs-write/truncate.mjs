/* @attack {"title": "truncate / truncateSync / promises.truncate on lakehouse files, by path and by read-only descriptor"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const fd = fs.openSync('data/lakehouse/MSFT.csv', 'r');
const attempts = [
  ['truncateSync', () => fs.truncateSync('data/lakehouse/AAPL.csv', 0)],
  ['truncateSync grow', () => fs.truncateSync('data/lakehouse/AAPL.csv', 4096)],
  ['truncate callback', () => viaCallback((cb) => fs.truncate('data/lakehouse/ohlcv/SPY.csv', 1, cb))],
  ['promises.truncate', () => fs.promises.truncate('data/lakehouse/MSFT.csv')],
  ['truncateSync read-only fd', () => fs.truncateSync(fd, 0)],
  ['truncate callback read-only fd', () => viaCallback((cb) => fs.truncate(fd, 0, cb))],
  ['truncateSync new file', () => fs.truncateSync('data/lakehouse/new.csv', 0)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
