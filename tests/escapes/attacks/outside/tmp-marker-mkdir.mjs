/* @attack {"title": "create a directory in /tmp (TMP_MARKER) with mkdir -p"} */
import fs from 'node:fs';
fs.mkdirSync(`${process.env.TMP_MARKER}/nested`, { recursive: true });
