/* @attack {"title": "append to the victim's own.txt through a write stream with flags a", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
const out = fs.createWriteStream('runs/victim/own.txt', { flags: 'a' });
await new Promise((resolve, reject) => {
  out.on('error', reject);
  out.end('appended by the attacker\n', resolve);
});
