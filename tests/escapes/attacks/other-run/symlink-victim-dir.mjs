/* @attack {"title": "symlink the victim's run dir into the attacker's run dir, then write through the link", "victim": true} */
import fs from 'node:fs';
import path from 'node:path';
await new Promise((r) => setTimeout(r, 500));
const link = `${process.env.SLEEVE_RUN_DIR}/v`;
fs.symlinkSync(path.resolve('runs/victim'), link);
fs.writeFileSync(`${link}/own.txt`, 'written through a symlink\n');
