/* @attack {"title": "overwrite the victim's own.txt through ../ from the attacker's own run dir", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/../victim/own.txt`, 'overwritten through ..\n');
