/* @attack {"title": "create 100,000 files in one directory of the own run dir (allowed abuse: the guard and the auditor must cope)", "expect": "allowed", "maxSeconds": 120} */
import fs from 'node:fs';
const dir = `${process.env.SLEEVE_RUN_DIR}/many`;
fs.mkdirSync(dir);
for (let i = 0; i < 100_000; i++) fs.writeFileSync(`${dir}/${i}.txt`, `${i}\n`);
