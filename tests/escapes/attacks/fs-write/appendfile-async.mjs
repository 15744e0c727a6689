/* @attack {"title": "fs.appendFile (callback) and fs/promises appendFile to lakehouse files"} */
import fs from 'node:fs';
import fsp from 'node:fs/promises';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['callback existing', () => viaCallback((cb) => fs.appendFile('data/lakehouse/AAPL.csv', '2024-01-03,1.0\n', cb))],
  ['callback new', () => viaCallback((cb) => fs.appendFile('data/lakehouse/new.csv', 'planted\n', 'utf8', cb))],
  ['promises existing', () => fsp.appendFile('data/lakehouse/MSFT.csv', '2024-01-03,1.0\n')],
  ['promises nested', () => fsp.appendFile('data/lakehouse/ohlcv/SPY.csv', Buffer.from('2024-01-03,1.0\n'))],
  ['promises new', () => fsp.appendFile('data/lakehouse/ohlcv/QQQ.csv', 'planted\n')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
