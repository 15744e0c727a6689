/* @attack {"title": "close fd 2, reopen a lakehouse file read-only so it becomes fd 2 (always 'writable' to the guard), then futimes it to 1970"} */
import fs from 'node:fs';
fs.closeSync(2);
const fd = fs.openSync('data/lakehouse/MSFT.csv', 'r');
if (fd !== 2) throw new Error(`the lakehouse file got fd ${fd}, not 2`);
fs.futimesSync(fd, 0, 0);
