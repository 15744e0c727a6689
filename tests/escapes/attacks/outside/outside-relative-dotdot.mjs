/* @attack {"title": "write into OUTSIDE by a relative ../ path from the workspace root"} */
import fs from 'node:fs';
import path from 'node:path';
const rel = path.relative(process.cwd(), path.join(process.env.OUTSIDE, 'x'));
if (!rel.startsWith('..')) throw new Error(`expected a ../ path, got ${rel}`);
fs.writeFileSync(rel, 'escaped through a relative ../ path\n');
