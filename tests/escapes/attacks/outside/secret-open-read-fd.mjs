/* @attack {"title": "open the secret read-only by number flags and readSync it into the run dir"} */
import fs from 'node:fs';
const fd = fs.openSync('secrets/token.txt', fs.constants.O_RDONLY);
const buf = Buffer.alloc(256);
const n = fs.readSync(fd, buf, 0, buf.length, 0);
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/loot.txt`, buf.subarray(0, n));
