/* @attack {"title": "open a file in OUTSIDE with numeric O_WRONLY|O_CREAT flags and write through the fd"} */
import fs from 'node:fs';
const { O_WRONLY, O_CREAT } = fs.constants;
const fd = fs.openSync(`${process.env.OUTSIDE}/x`, O_WRONLY | O_CREAT, 0o644);
fs.writeSync(fd, 'escaped through a descriptor\n');
fs.closeSync(fd);
