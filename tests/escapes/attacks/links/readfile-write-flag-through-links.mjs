/* @attack {"title": "readFile with a writing flag ('w', 'a', O_TRUNC, O_CREAT, a flag getter that changes its answer) on the pre-placed links: the read is allowed, the open truncates or creates in the lakehouse", "setup": ["abs-symlink-to-lakehouse", "hardlink-to-lakehouse", "dangling-symlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const { O_RDONLY, O_TRUNC, O_CREAT } = fs.constants;
const shifting = (flag) => {
  let reads = 0;
  return {
    encoding: 'utf8',
    get flag() {
      return reads++ === 0 ? 'r' : flag;
    },
  };
};
const attempts = [
  ['symlink: readFileSync utf8 w', () => fs.readFileSync(`${run}/lake.csv`, { encoding: 'utf8', flag: 'w' })],
  ['symlink: readFileSync O_TRUNC', () => fs.readFileSync(`${run}/lake.csv`, { encoding: 'utf8', flag: O_RDONLY | O_TRUNC })],
  ['symlink: promises.readFile w+', () => fs.promises.readFile(`${run}/lake.csv`, { flag: 'w+' })],
  ['hard link: readFileSync utf8 w', () => fs.readFileSync(`${run}/hard.csv`, { encoding: 'utf8', flag: 'w' })],
  ['hard link: readFile callback a', () => new Promise((resolve, reject) => fs.readFile(`${run}/hard.csv`, { flag: 'a+' }, (e, d) => (e ? reject(e) : resolve(d))))],
  ['dangling: readFileSync utf8 a+', () => fs.readFileSync(`${run}/new.csv`, { encoding: 'utf8', flag: 'a+' })],
  ['dangling: readFileSync O_CREAT', () => fs.readFileSync(`${run}/new.csv`, { encoding: 'utf8', flag: O_RDONLY | O_CREAT })],
  // A flag getter that answers 'r' to the first reader (the guard) and a writing flag afterwards (Node).
  ['symlink: readFileSync shifting flag', () => fs.readFileSync(`${run}/lake.csv`, shifting('w'))],
  ['symlink: promises.readFile shifting flag', () => fs.promises.readFile(`${run}/lake.csv`, shifting('r+'))],
  ['hard link: readFileSync shifting flag', () => fs.readFileSync(`${run}/hard.csv`, shifting('w'))],
  ['dangling: readFileSync shifting flag', () => fs.readFileSync(`${run}/new.csv`, shifting('a+'))],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
// The harness's own hard link raised AAPL.csv's link count, which its snapshot records.
fs.rmSync(`${run}/hard.csv`, { force: true });
