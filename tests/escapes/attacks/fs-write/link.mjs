/* @attack {"title": "hard links: a run-dir file linked into the lakehouse, a lakehouse file linked into the run dir (then written)"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
fs.writeFileSync(`${run}/payload.csv`, 'planted by link\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['run dir -> lakehouse new', () => fs.linkSync(`${run}/payload.csv`, 'data/lakehouse/new.csv')],
  ['run dir -> lakehouse nested', () => fs.linkSync(`${run}/payload.csv`, path.resolve('data/lakehouse/ohlcv/QQQ.csv'))],
  ['lakehouse -> run dir', () => fs.linkSync('data/lakehouse/AAPL.csv', `${run}/aapl-link.csv`)],
  ['lakehouse -> run dir, then write', () => fs.writeFileSync(`${run}/aapl-link.csv`, 'poisoned through a hard link\n')],
  ['lakehouse -> run dir, then append', () => fs.appendFileSync(`${run}/aapl-link.csv`, 'poisoned through a hard link\n')],
  ['callback', () => viaCallback((cb) => fs.link('data/lakehouse/MSFT.csv', `${run}/msft-link.csv`, cb))],
  ['promises', () => fs.promises.link('data/lakehouse/ohlcv/SPY.csv', `${run}/spy-link.csv`)],
  ['promises into the lakehouse', () => fs.promises.link(`${run}/payload.csv`, 'data/lakehouse/p.csv')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
