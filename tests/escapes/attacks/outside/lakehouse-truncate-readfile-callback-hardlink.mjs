/* @attack {"title": "fs.readFile (callback form) with flag 'w' on the pre-placed hard link to the lakehouse: the guard decides a read, the open truncates", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
try {
  await new Promise((resolve, reject) => fs.readFile(`${dir}/hard.csv`, { flag: 'w' }, (err, data) => (err ? reject(err) : resolve(data))));
} finally {
  // The harness's own hard link raised AAPL.csv's link count, which its snapshot records: drop it.
  fs.rmSync(`${dir}/hard.csv`, { force: true });
}
