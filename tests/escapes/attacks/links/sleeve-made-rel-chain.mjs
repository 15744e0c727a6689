/* @attack {"title": "the sleeve builds its own relative symlink chain (m2 -> m1 -> ../../data/lakehouse, and a chain whose middle link is retargeted later) and writes through it"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const attempts = [
  ['m1 -> ../../data/lakehouse', () => fs.symlinkSync('../../data/lakehouse', `${run}/m1`)],
  ['m2 -> m1', () => fs.symlinkSync('m1', `${run}/m2`)],
  ['write m2/AAPL.csv', () => fs.writeFileSync(`${run}/m2/AAPL.csv`, 'poisoned through a sleeve-made chain\n')],
  // A chain that is harmless when made: n2 -> n1/AAPL.csv, n1 a real directory...
  ['n1 as a directory', () => fs.mkdirSync(`${run}/n1`)],
  ['n2 -> n1/AAPL.csv', () => fs.symlinkSync('n1/AAPL.csv', `${run}/n2`)],
  // ...then n1 becomes a link to the lakehouse, so n2 now leads to AAPL.csv.
  ['n1 replaced by a link', () => {
    fs.rmdirSync(`${run}/n1`);
    fs.symlinkSync('../../data/lakehouse', `${run}/n1`);
  }],
  ['n1 replaced by a link (dir type)', () => fs.symlinkSync('../../data/lakehouse', `${run}/n1`, 'dir')],
  ['write n2', () => fs.writeFileSync(`${run}/n2`, 'poisoned through a retargeted chain\n')],
  ['chain through ..', () => fs.symlinkSync('../attacker/../../data/lakehouse/MSFT.csv', `${run}/p1`)],
  ['write p1', () => fs.writeFileSync(`${run}/p1`, 'poisoned\n')],
  ['promises chain', async () => {
    await fs.promises.symlink('../../data/lakehouse/ohlcv', `${run}/q1`);
    await fs.promises.writeFile(`${run}/q1/SPY.csv`, 'poisoned\n');
  }],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
