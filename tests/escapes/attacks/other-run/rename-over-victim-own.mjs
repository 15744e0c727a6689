/* @attack {"title": "write a file in the attacker's run dir, then rename it over the victim's own.txt", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const mine = `${process.env.SLEEVE_RUN_DIR}/own.txt`;
fs.writeFileSync(mine, 'replaced by rename\n');
fs.renameSync(mine, 'runs/victim/own.txt');
