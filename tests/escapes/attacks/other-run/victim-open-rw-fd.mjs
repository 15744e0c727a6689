/* @attack {"title": "open the victim's own.txt r+ and write through the descriptor", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const fd = fs.openSync('runs/victim/own.txt', 'r+');
fs.writeSync(fd, 'OVERWRITE');
fs.closeSync(fd);
