/* @attack {"title": "fs.cp the own run dir recursively to /tmp (TMP_MARKER)"} */
import fs from 'node:fs';
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/payload.txt`, 'copied out with cp\n');
fs.cpSync(process.env.SLEEVE_RUN_DIR, process.env.TMP_MARKER, { recursive: true });
