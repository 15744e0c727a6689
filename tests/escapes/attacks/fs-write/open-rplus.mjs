/* @attack {"title": "open lakehouse files with 'r+' / 'rs+' and overwrite in place through the descriptor"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const attempts = [
  ['openSync r+', () => fs.openSync('data/lakehouse/AAPL.csv', 'r+')],
  ['openSync rs+', () => fs.openSync('data/lakehouse/MSFT.csv', 'rs+')],
  ['open callback r+', () => viaCallback((cb) => fs.open('data/lakehouse/ohlcv/SPY.csv', 'r+', cb))],
];
for (const [name, call] of attempts) {
  try {
    const fd = await call();
    console.log(`${name}: opened ${fd}`);
    fs.writeSync(fd, 'XXXX', 0);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
try {
  const handle = await fs.promises.open('data/lakehouse/AAPL.csv', 'r+');
  await handle.write('XXXX', 0);
  console.log('promises.open r+: done');
} catch (error) {
  console.log(`promises.open r+: ${error.code}`);
}
