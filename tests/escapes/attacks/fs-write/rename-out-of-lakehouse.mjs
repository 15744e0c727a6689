/* @attack {"title": "rename lakehouse files and directories out of the lakehouse and within it"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['file into the run dir', () => fs.renameSync('data/lakehouse/AAPL.csv', `${run}/AAPL.csv`)],
  ['file within the lakehouse', () => fs.renameSync('data/lakehouse/MSFT.csv', 'data/lakehouse/MSFT.old')],
  ['dir into the run dir', () => fs.renameSync('data/lakehouse/ohlcv', `${run}/ohlcv`)],
  ['lakehouse itself', () => fs.renameSync('data/lakehouse', `${run}/lakehouse`)],
  ['callback', () => viaCallback((cb) => fs.rename('data/lakehouse/ohlcv/SPY.csv', `${run}/SPY.csv`, cb))],
  ['promises', () => fs.promises.rename('data/lakehouse/AAPL.csv', 'data/lakehouse/ohlcv/AAPL.csv')],
  ['onto itself', () => fs.renameSync('data/lakehouse/AAPL.csv', 'data/lakehouse/AAPL.csv')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
