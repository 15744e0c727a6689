/* @attack {"title": "copyFile a file from the attacker's run dir over the victim's own.txt", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const mine = `${process.env.SLEEVE_RUN_DIR}/payload.txt`;
fs.writeFileSync(mine, 'copied over the victim\n');
fs.copyFileSync(mine, 'runs/victim/own.txt');
