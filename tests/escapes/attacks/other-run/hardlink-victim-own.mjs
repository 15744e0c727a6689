/* @attack {"title": "hard-link the victim's own.txt into the attacker's run dir, then write through the link", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const link = `${process.env.SLEEVE_RUN_DIR}/victim-own.txt`;
fs.linkSync('runs/victim/own.txt', link);
fs.writeFileSync(link, 'written through a hard link\n');
