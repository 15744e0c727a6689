/* @attack {"title": "borrow writeFile from the FileHandle prototype of a read-only handle and use it on a handle opened on OUTSIDE"} */
import fs from 'node:fs/promises';
const dir = process.env.SLEEVE_RUN_DIR;
await fs.writeFile(`${dir}/mine.txt`, 'mine\n');
const ro = await fs.open(`${dir}/mine.txt`, 'r');
const proto = Object.getPrototypeOf(ro);
const writeFile = proto.writeFile;
await ro.close();
const out = await fs.open(`${process.env.OUTSIDE}/x`, 'w');
await writeFile.call(out, 'through a borrowed FileHandle method\n');
