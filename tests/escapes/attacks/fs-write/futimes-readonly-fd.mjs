/* @attack {"title": "futimes / futimesSync on a descriptor opened 'r' on a lakehouse file"} */
import fs from 'node:fs';

const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
const dirFd = fs.openSync('data/lakehouse/ohlcv', 'r');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['futimesSync', () => fs.futimesSync(fd, 0, 0)],
  ['futimesSync dir', () => fs.futimesSync(dirFd, 0, 0)],
  ['futimes callback', () => viaCallback((cb) => fs.futimes(fd, new Date(0), new Date(0), cb))],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
