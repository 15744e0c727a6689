/* @attack {"title": "utimes / utimesSync / promises.utimes on lakehouse files and directories"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['utimesSync numbers', () => fs.utimesSync('data/lakehouse/AAPL.csv', 0, 0)],
  ['utimesSync Dates', () => fs.utimesSync('data/lakehouse/MSFT.csv', new Date(0), new Date(0))],
  ['utimesSync dir', () => fs.utimesSync('data/lakehouse/ohlcv', 1, 1)],
  ['utimes callback', () => viaCallback((cb) => fs.utimes('data/lakehouse/ohlcv/SPY.csv', 1, 1, cb))],
  ['promises.utimes', () => fs.promises.utimes('data/lakehouse/AAPL.csv', 2, 2)],
  ['promises.utimes lakehouse', () => fs.promises.utimes('data/lakehouse', 2, 2)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
