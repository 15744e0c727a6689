/* @attack {"title": "symlinks: planted in the lakehouse, and made in the run dir pointing into the lakehouse then written through"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
const lake = path.resolve('data/lakehouse/AAPL.csv');
fs.writeFileSync(`${run}/payload.csv`, 'payload\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['plant in the lakehouse', () => fs.symlinkSync(`${run}/payload.csv`, 'data/lakehouse/planted.csv')],
  ['plant a dir link', () => fs.symlinkSync(run, 'data/lakehouse/planted-dir', 'dir')],
  ['run dir -> lakehouse file', () => fs.symlinkSync(lake, `${run}/abs.csv`)],
  ['write through it', () => fs.writeFileSync(`${run}/abs.csv`, 'poisoned through a symlink\n')],
  ['relative run dir -> lakehouse', () => fs.symlinkSync('../../data/lakehouse/MSFT.csv', `${run}/rel.csv`)],
  ['write through it', () => fs.writeFileSync(`${run}/rel.csv`, 'poisoned through a symlink\n')],
  ['run dir -> lakehouse dir', () => fs.symlinkSync(path.dirname(lake), `${run}/lake`, 'junction')],
  ['write through it', () => fs.writeFileSync(`${run}/lake/ohlcv/SPY.csv`, 'poisoned through a dir symlink\n')],
  ['Buffer target', () => fs.symlinkSync(Buffer.from(lake), `${run}/buf.csv`)],
  ['callback', () => viaCallback((cb) => fs.symlink(lake, `${run}/cb.csv`, cb))],
  ['promises', () => fs.promises.symlink(lake, `${run}/p.csv`)],
  ['write through the callback one', () => fs.writeFileSync(`${run}/cb.csv`, 'poisoned\n')],
  ['write through the promises one', () => fs.writeFileSync(`${run}/p.csv`, 'poisoned\n')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
