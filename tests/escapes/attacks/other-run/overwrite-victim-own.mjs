/* @attack {"title": "overwrite another running sleeve's own.txt", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
fs.writeFileSync('runs/victim/own.txt', 'overwritten by the attacker\n');
