/* @attack {"title": "write a file in /tmp (TMP_MARKER)"} */
import fs from 'node:fs';
fs.writeFileSync(process.env.TMP_MARKER, 'escaped to /tmp\n');
