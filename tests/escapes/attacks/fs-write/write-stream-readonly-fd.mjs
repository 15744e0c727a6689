/* @attack {"title": "write streams on a descriptor / FileHandle opened 'r' on a lakehouse file (fd alone, fd with a run-dir path, handle.createWriteStream)"} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';

const run = process.env.SLEEVE_RUN_DIR;
const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
const handle = await fs.promises.open('data/lakehouse/MSFT.csv', 'r');
const attempts = [
  ['fd, no path', () => fs.createWriteStream(null, { fd, start: 0, autoClose: false })],
  ['fd with a run-dir path', () => fs.createWriteStream(`${run}/decoy.csv`, { fd, start: 0, autoClose: false })],
  ['fd r+ with a run-dir path', () => fs.createWriteStream(`${run}/decoy.csv`, { fd, flags: 'r+', autoClose: false })],
  ['FileHandle as fd', () => fs.createWriteStream(null, { fd: handle, start: 0, autoClose: false })],
  ['FileHandle with a run-dir path', () => fs.createWriteStream(`${run}/decoy2.csv`, { fd: handle, autoClose: false })],
  ['handle.createWriteStream', () => handle.createWriteStream({ start: 0, autoClose: false })],
];
for (const [name, make] of attempts) {
  try {
    const stream = make();
    stream.on('error', () => {});
    stream.end('poisoned through a read-only descriptor\n');
    await finished(stream);
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
