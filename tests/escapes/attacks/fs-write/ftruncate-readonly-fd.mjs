/* @attack {"title": "ftruncate / ftruncateSync on a descriptor opened 'r' on a lakehouse file"} */
import fs from 'node:fs';

const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['ftruncateSync', () => fs.ftruncateSync(fd, 0)],
  ['ftruncateSync default', () => fs.ftruncateSync(fd)],
  ['ftruncate callback', () => viaCallback((cb) => fs.ftruncate(fd, 1, cb))],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
