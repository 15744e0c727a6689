/* @attack {"title": "mkdir / mkdirSync / promises.mkdir inside the lakehouse (plain, recursive, nested, with mode)"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['mkdirSync', () => fs.mkdirSync('data/lakehouse/planted')],
  ['mkdirSync recursive', () => fs.mkdirSync('data/lakehouse/a/b/c', { recursive: true })],
  ['mkdirSync nested', () => fs.mkdirSync('data/lakehouse/ohlcv/planted', { mode: 0o777 })],
  ['mkdirSync existing recursive', () => fs.mkdirSync('data/lakehouse/ohlcv', { recursive: true, mode: 0o777 })],
  ['mkdir callback', () => viaCallback((cb) => fs.mkdir('data/lakehouse/cb', cb))],
  ['promises.mkdir', () => fs.promises.mkdir('data/lakehouse/p/q', { recursive: true })],
  ['through the run dir', () => fs.mkdirSync(`${process.env.SLEEVE_RUN_DIR}/../../data/lakehouse/dotdot`)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
