/* @attack {"title": "write into OUTSIDE (a directory next to the workspace) by its absolute path"} */
import fs from 'node:fs';
fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'escaped next to the workspace\n');
