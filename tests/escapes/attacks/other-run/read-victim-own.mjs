/* @attack {"title": "read another running sleeve's own.txt and copy it into the attacker's run dir", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const stolen = fs.readFileSync('runs/victim/own.txt', 'utf8');
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/stolen.txt`, stolen);
