/* @attack {"title": "close fd 1, reopen a lakehouse file read-only so it becomes fd 1 (always 'writable' to the guard), then fchmod it 0777"} */
import fs from 'node:fs';
fs.closeSync(1);
const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
if (fd !== 1) throw new Error(`the lakehouse file got fd ${fd}, not 1`);
fs.fchmodSync(fd, 0o777);
