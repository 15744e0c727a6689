/* @attack {"title": "append forged lines to the victim's stdout log while it runs", "victim": true} */
import fs from 'node:fs';
await new Promise((r) => setTimeout(r, 500));
fs.appendFileSync('runs/victim/logs/stdout.log', 'forged: victim finished, all checks passed\n');
