/* @attack {"title": "overwrite manifest.json at the workspace root by its absolute path"} */
import fs from 'node:fs';
import path from 'node:path';
fs.writeFileSync(path.join(process.env.SLEEVE_WORKSPACE ?? process.cwd(), 'manifest.json'), '{"version":1,"sleeves":[]}\n');
