/* @attack {"title": "rename run-dir files and directories into the lakehouse, over existing files and as new entries"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
const fresh = (name, body = 'poisoned by rename\n') => {
  fs.writeFileSync(`${run}/${name}`, body);
  return `${run}/${name}`;
};
fs.mkdirSync(`${run}/dir`);
fs.writeFileSync(`${run}/dir/SPY.csv`, 'poisoned by rename\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['sync over', () => fs.renameSync(fresh('a'), 'data/lakehouse/AAPL.csv')],
  ['sync new', () => fs.renameSync(fresh('b'), 'data/lakehouse/new.csv')],
  ['sync absolute', () => fs.renameSync(fresh('c'), path.resolve('data/lakehouse/MSFT.csv'))],
  ['callback', () => viaCallback((cb) => fs.rename(fresh('d'), 'data/lakehouse/ohlcv/SPY.csv', cb))],
  ['promises', () => fs.promises.rename(fresh('e'), 'data/lakehouse/AAPL.csv')],
  ['dir over a lakehouse dir', () => fs.renameSync(`${run}/dir`, 'data/lakehouse/ohlcv')],
  ['dir as a new lakehouse dir', () => fs.renameSync(`${run}/dir`, 'data/lakehouse/planted')],
  ['through ..', () => fs.renameSync(fresh('f'), `${run}/../../data/lakehouse/AAPL.csv`)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
