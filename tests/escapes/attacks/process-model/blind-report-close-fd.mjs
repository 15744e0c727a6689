/* @attack {"title": "blind the report channel: close fd 3 (the guard's report pipe), then make a denied write"} */
import fs from 'node:fs';
fs.closeSync(3);
fs.writeFileSync(process.env.TMP_MARKER, 'nobody will hear about this attempt\n');
