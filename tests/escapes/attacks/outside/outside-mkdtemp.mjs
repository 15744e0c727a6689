/* @attack {"title": "mkdtemp with a prefix inside OUTSIDE"} */
import fs from 'node:fs';
fs.mkdtempSync(`${process.env.OUTSIDE}/tmp-`);
