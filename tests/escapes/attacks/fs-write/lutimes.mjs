/* @attack {"title": "lutimes / lutimesSync / promises.lutimes on lakehouse files"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['lutimesSync', () => fs.lutimesSync('data/lakehouse/AAPL.csv', 0, 0)],
  ['lutimesSync dir', () => fs.lutimesSync('data/lakehouse/ohlcv', 0, 0)],
  ['lutimes callback', () => viaCallback((cb) => fs.lutimes('data/lakehouse/MSFT.csv', 1, 1, cb))],
  ['promises.lutimes', () => fs.promises.lutimes('data/lakehouse/ohlcv/SPY.csv', 2, 2)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
