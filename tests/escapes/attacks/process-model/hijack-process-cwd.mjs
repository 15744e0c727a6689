/* @attack {"title": "replace process.cwd (the guard resolves relative paths with it) by the run dir, then write the relative path runs/attacker/lake.csv: the guard sees a new file deep in the run dir, the kernel the pre-placed symlink to the lakehouse", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const realCwd = process.cwd;
const rel = `runs/${process.env.SLEEVE_RUN_ID ?? 'attacker'}/lake.csv`;
let hijacked = false;
try {
  process.cwd = () => dir;
  hijacked = true;
} catch {
  // read-only
}
try {
  fs.writeFileSync(rel, 'poisoned: the guard resolved against a fake cwd\n');
} catch (error) {
  // ENOENT: the guard handed fs its own absolute path (under the fake cwd), so the trick went nowhere
  if (error.code !== 'ENOENT') throw error;
} finally {
  if (hijacked) process.cwd = realCwd;
}
// What the trick must not amount to: the plain write, which must be refused.
fs.writeFileSync(rel, 'poisoned directly\n');
