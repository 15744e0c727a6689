/* @attack {"title": "create a directory and a file inside it in the victim's run dir (fs.promises)", "victim": true} */
import fs from 'node:fs/promises';
await new Promise((r) => setTimeout(r, 500));
await fs.mkdir('runs/victim/planted', { recursive: true });
await fs.writeFile('runs/victim/planted/x.txt', 'planted\n');
