/* @attack {"title": "open lakehouse files with numeric O_TRUNC (with O_RDONLY, which Linux still truncates, and O_WRONLY)"} */
import fs from 'node:fs';

const { O_TRUNC, O_RDONLY, O_WRONLY, O_RDWR } = fs.constants;
const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const attempts = [
  ['O_RDONLY|O_TRUNC', () => fs.openSync('data/lakehouse/AAPL.csv', O_RDONLY | O_TRUNC)],
  ['O_TRUNC alone', () => fs.openSync('data/lakehouse/MSFT.csv', O_TRUNC)],
  ['O_WRONLY|O_TRUNC', () => fs.openSync('data/lakehouse/ohlcv/SPY.csv', O_WRONLY | O_TRUNC)],
  ['O_RDWR|O_TRUNC callback', () => viaCallback((cb) => fs.open('data/lakehouse/AAPL.csv', O_RDWR | O_TRUNC, cb))],
  ['O_TRUNC promises', async () => (await fs.promises.open('data/lakehouse/MSFT.csv', O_RDONLY | O_TRUNC)).fd],
];
for (const [name, call] of attempts) {
  try {
    console.log(`${name}: opened ${await call()}`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
