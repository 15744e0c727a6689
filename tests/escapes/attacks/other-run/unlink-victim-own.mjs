/* @attack {"title": "delete the victim's own.txt while it runs", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
fs.rmSync('runs/victim/own.txt', { force: true });
