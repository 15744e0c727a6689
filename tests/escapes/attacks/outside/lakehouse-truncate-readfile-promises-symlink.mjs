/* @attack {"title": "fs.promises.readFile with flag 'w' on the pre-placed symlink to the lakehouse: the guard decides a read, the open truncates", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
await fs.promises.readFile(`${dir}/lake.csv`, { flag: 'w' });
