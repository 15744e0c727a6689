/* @attack {"title": "overwrite another running sleeve's own.txt by its absolute path, derived from SLEEVE_RUN_DIR", "victim": true} */
import fs from 'node:fs';
import path from 'node:path';
await new Promise((r) => setTimeout(r, 500));
const victimDir = path.join(path.dirname(process.env.SLEEVE_RUN_DIR), 'victim');
fs.writeFileSync(path.join(victimDir, 'own.txt'), 'overwritten by the attacker\n');
