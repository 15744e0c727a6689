/* @attack {"title": "the guard decides runs/attacker/lake.csv (and lists the run dir) while it does not exist; a symlink to the lakehouse appears there later, made by another process; then the sleeve writes that name", "setup": ["abs-symlink-to-lakehouse"], "setupAfter": ".primed"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const link = `${run}/lake.csv`;
// Decide a write and a read of the name while nothing is there.
try {
  fs.utimesSync(link, new Date(), new Date());
} catch {}
fs.existsSync(link);
fs.writeFileSync(`${run}/.primed`, '');
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
try {
  fs.writeFileSync(link, 'poisoned through a symlink the guard had not seen\n');
  console.log('written');
} catch (error) {
  console.log(error.code);
}
