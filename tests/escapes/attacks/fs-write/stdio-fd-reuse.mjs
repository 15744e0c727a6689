/* @attack {"title": "close stdout / stderr, reopen a lakehouse file 'r' so it takes descriptor 1 or 2, then write, truncate and chmod through it"} */
import fs from 'node:fs';

// Descriptors 1 and 2 are writable from the start; once closed, the number is
// reused by the next open, here of a lakehouse file.
const results = [];
fs.closeSync(1);
fs.closeSync(2);
const fd1 = fs.openSync('data/lakehouse/AAPL.csv', 'r');
const fd2 = fs.openSync('data/lakehouse/MSFT.csv', 'r');
const attempts = [
  ['writeSync', () => fs.writeSync(fd1, 'poisoned\n', 0)],
  ['writevSync', () => fs.writevSync(fd2, [Buffer.from('poisoned\n')], 0)],
  ['ftruncateSync', () => fs.ftruncateSync(fd1, 0)],
  ['fchmodSync', () => fs.fchmodSync(fd1, 0o777)],
  ['futimesSync', () => fs.futimesSync(fd2, 0, 0)],
  ['writeFileSync(fd)', () => fs.writeFileSync(fd2, 'poisoned\n')],
];
for (const [name, call] of attempts) {
  try {
    call();
    results.push(`${name}: done`);
  } catch (error) {
    results.push(`${name}: ${error.code}`);
  }
}
try {
  const stream = fs.createWriteStream(null, { fd: fd1, start: 0, autoClose: false });
  stream.on('error', (error) => results.push(`createWriteStream: ${error.code}`));
  stream.end('poisoned\n');
  await new Promise((resolve) => stream.on('close', resolve).on('error', resolve));
} catch (error) {
  results.push(`createWriteStream: ${error.code}`);
}
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/results.txt`, `fd1=${fd1} fd2=${fd2}\n${results.join('\n')}\n`);
