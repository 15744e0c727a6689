/* @attack {"title": "enumerate runs/ with opendir to find the victim, then read its files", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const dir = fs.opendirSync('runs');
const names = [];
for (let d = dir.readSync(); d !== null; d = dir.readSync()) names.push(d.name);
dir.closeSync();
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/ids.txt`, names.join('\n'));
