/* @attack {"title": "TOCTOU in the path itself: a URL subclass answers the guard with an innocent file and fs with the pre-placed symlink to the lakehouse", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
let reads = 0;
class TwoFaced extends URL {
  get pathname() {
    reads++;
    return reads === 1 ? `${dir}/innocent.txt` : `${dir}/lake.csv`;
  }
}
try {
  await fs.promises.writeFile(new TwoFaced(`file://${dir}/innocent.txt`), 'poisoned through a two-faced URL\n');
} finally {
  // What the trick must not amount to: the plain write, which must be refused.
  await fs.promises.writeFile(`${dir}/lake.csv`, 'poisoned directly\n');
}
