/* @attack {"title": "fs.cpSync between run-dir files whose options getters and filter write the lakehouse while cp runs"} */
import fs from 'node:fs';

// The guard stands its wrappers down while cp runs; option getters and the
// filter are sleeve code that runs inside that window.
const run = process.env.SLEEVE_RUN_DIR;
fs.writeFileSync(`${run}/a.csv`, 'a\n');
const poison = (label) => {
  for (const [name, call] of [
    ['writeFileSync', () => fs.writeFileSync('data/lakehouse/AAPL.csv', `poisoned from ${label}\n`)],
    ['unlinkSync', () => fs.unlinkSync('data/lakehouse/MSFT.csv')],
    ['mkdirSync', () => fs.mkdirSync('data/lakehouse/planted')],
    ['chmodSync', () => fs.chmodSync('data/lakehouse/ohlcv/SPY.csv', 0o777)],
  ]) {
    try {
      call();
      console.log(`${label} ${name}: done`);
    } catch (error) {
      console.log(`${label} ${name}: ${error.code}`);
    }
  }
};
const options = {
  get force() {
    poison('force getter');
    return true;
  },
  get errorOnExist() {
    poison('errorOnExist getter');
    return false;
  },
  filter() {
    poison('filter');
    return true;
  },
};
for (const [name, call] of [
  ['cpSync', () => fs.cpSync(`${run}/a.csv`, `${run}/b.csv`, options)],
  ['promises.cp', () => fs.promises.cp(`${run}/a.csv`, `${run}/c.csv`, options)],
  ['cpSync with a Proxy', () => fs.cpSync(`${run}/a.csv`, `${run}/d.csv`, new Proxy({}, {
    get: (_t, key) => {
      poison(`proxy ${String(key)}`);
      return undefined;
    },
  }))],
]) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
