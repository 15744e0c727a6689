/* @attack {"title": "open lakehouse files with 'a' / 'a+' / 'as' / 'ax' and append through the descriptor"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const attempts = [
  ['openSync a', () => fs.openSync('data/lakehouse/AAPL.csv', 'a')],
  ['openSync a+', () => fs.openSync('data/lakehouse/MSFT.csv', 'a+')],
  ['openSync as', () => fs.openSync('data/lakehouse/ohlcv/SPY.csv', 'as')],
  ['openSync ax new', () => fs.openSync('data/lakehouse/new.csv', 'ax')],
  ['open callback a', () => viaCallback((cb) => fs.open('data/lakehouse/AAPL.csv', 'a', 0o666, cb))],
];
for (const [name, call] of attempts) {
  try {
    const fd = await call();
    console.log(`${name}: opened ${fd}`);
    fs.writeSync(fd, '2024-01-03,1.0\n');
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
try {
  const handle = await fs.promises.open('data/lakehouse/AAPL.csv', 'a');
  await handle.appendFile('2024-01-03,1.0\n');
  console.log('promises.open a: done');
} catch (error) {
  console.log(`promises.open a: ${error.code}`);
}
