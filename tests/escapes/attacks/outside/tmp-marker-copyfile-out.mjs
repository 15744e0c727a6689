/* @attack {"title": "copyFile from the own run dir to /tmp (TMP_MARKER), callback form"} */
import fs from 'node:fs';
const mine = `${process.env.SLEEVE_RUN_DIR}/payload.txt`;
fs.writeFileSync(mine, 'copied out of the run dir\n');
await new Promise((resolve, reject) => fs.copyFile(mine, process.env.TMP_MARKER, (err) => (err ? reject(err) : resolve())));
