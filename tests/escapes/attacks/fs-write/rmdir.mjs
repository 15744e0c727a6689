/* @attack {"title": "rmdir / rmdirSync / promises.rmdir on lakehouse directories (plain and recursive)"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['rmdirSync', () => fs.rmdirSync('data/lakehouse/ohlcv')],
  ['rmdirSync recursive', () => fs.rmdirSync('data/lakehouse/ohlcv', { recursive: true })],
  ['rmdir callback recursive', () => viaCallback((cb) => fs.rmdir('data/lakehouse/ohlcv', { recursive: true }, cb))],
  ['promises.rmdir recursive', () => fs.promises.rmdir('data/lakehouse', { recursive: true })],
  ['rmdirSync a file', () => fs.rmdirSync('data/lakehouse/AAPL.csv', { recursive: true })],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
