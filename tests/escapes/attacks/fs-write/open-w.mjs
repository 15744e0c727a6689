/* @attack {"title": "open lakehouse files with 'w' / 'w+' / 'wx' (sync, callback, promises) and write through the descriptor"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const attempts = [
  ['openSync w', () => fs.openSync('data/lakehouse/AAPL.csv', 'w')],
  ['openSync w+', () => fs.openSync('data/lakehouse/MSFT.csv', 'w+')],
  ['openSync wx new', () => fs.openSync('data/lakehouse/new.csv', 'wx')],
  ['open callback w', () => viaCallback((cb) => fs.open('data/lakehouse/ohlcv/SPY.csv', 'w', cb))],
  ['promises.open w', async () => (await fs.promises.open('data/lakehouse/AAPL.csv', 'w')).fd],
];
for (const [name, call] of attempts) {
  try {
    const fd = await call();
    console.log(`${name}: opened ${fd}`);
    fs.writeSync(fd, 'poisoned through a w descriptor\n');
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
