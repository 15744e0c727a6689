/* @attack {"title": "fs.promises.open a file in OUTSIDE and write through the FileHandle"} */
import fs from 'node:fs/promises';
const fh = await fs.open(`${process.env.OUTSIDE}/x`, 'w');
await fh.writeFile('escaped through a FileHandle\n');
await fh.close();
