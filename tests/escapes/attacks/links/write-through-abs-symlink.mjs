/* @attack {"title": "write through a symlink to the lakehouse pre-placed in the run dir", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.writeFileSync(`${dir}/lake.csv`, 'poisoned through the link\n');
