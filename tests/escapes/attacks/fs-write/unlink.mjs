/* @attack {"title": "unlink lakehouse files (sync, callback, promises, spellings)"} */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['sync', () => fs.unlinkSync('data/lakehouse/AAPL.csv')],
  ['sync absolute', () => fs.unlinkSync(path.resolve('data/lakehouse/MSFT.csv'))],
  ['sync URL', () => fs.unlinkSync(pathToFileURL(path.resolve('data/lakehouse/ohlcv/SPY.csv')))],
  ['callback', () => viaCallback((cb) => fs.unlink('data/lakehouse/MSFT.csv', cb))],
  ['promises', () => fs.promises.unlink('data/lakehouse/ohlcv/SPY.csv')],
  ['a directory', () => fs.unlinkSync('data/lakehouse/ohlcv')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
