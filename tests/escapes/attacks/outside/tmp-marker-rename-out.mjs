/* @attack {"title": "write a file in the own run dir, then rename it out to /tmp (TMP_MARKER)"} */
import fs from 'node:fs';
const mine = `${process.env.SLEEVE_RUN_DIR}/payload.txt`;
fs.writeFileSync(mine, 'moved out of the run dir\n');
fs.renameSync(mine, process.env.TMP_MARKER);
