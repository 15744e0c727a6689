/* @attack {"title": "code that cpSync runs (a patched Stats.prototype.isDirectory, a filter) writes to a pre-placed symlink to the lakehouse while the copy is in progress", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.mkdirSync(`${run}/src`);
fs.writeFileSync(`${run}/src/a.txt`, 'a\n');
const inside = (where) => {
  try {
    fs.writeFileSync(`${run}/lake.csv`, `poisoned from ${where} inside cp\n`);
    console.log(`${where}: written`);
  } catch (error) {
    console.log(`${where}: ${error.code}`);
  }
};
for (const proto of [fs.Stats.prototype, Object.getPrototypeOf(fs.lstatSync(run, { bigint: true }))]) {
  const isDirectory = proto.isDirectory;
  proto.isDirectory = function () {
    inside('Stats.prototype.isDirectory');
    return isDirectory.call(this);
  };
}
const filter = () => {
  inside('the filter');
  return true;
};
for (const [label, call] of [
  ['cpSync', () => fs.cpSync(`${run}/src`, `${run}/dst1`, { recursive: true, filter })],
  ['cp callback', () => new Promise((resolve, reject) => fs.cp(`${run}/src`, `${run}/dst2`, { recursive: true, filter }, (e) => (e ? reject(e) : resolve())))],
  ['promises.cp', () => fs.promises.cp(`${run}/src`, `${run}/dst3`, { recursive: true, filter: async () => filter() })],
]) {
  try {
    await call();
    console.log(`${label}: copied`);
  } catch (error) {
    console.log(`${label}: ${error.code}`);
  }
}
