/* @attack {"title": "list runs/ to discover other run ids, then write into each of them", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
let ids;
try {
  ids = fs.readdirSync('runs');
} catch {
  // listing refused: fall back to guessing the common names
  ids = ['victim', 'run', 'main', 'default', '1', 'latest'];
}
for (const id of ids) {
  if (id === 'attacker') continue;
  fs.writeFileSync(`runs/${id}/own.txt`, `overwritten after guessing ${id}\n`);
}
