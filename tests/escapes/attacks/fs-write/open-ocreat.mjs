/* @attack {"title": "open with numeric O_CREAT flags (with O_RDONLY, O_WRONLY, O_EXCL) creates lakehouse files"} */
import fs from 'node:fs';

const { O_CREAT, O_RDONLY, O_WRONLY, O_RDWR, O_EXCL } = fs.constants;
const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const attempts = [
  ['O_CREAT|O_RDONLY', () => fs.openSync('data/lakehouse/created-ro.csv', O_CREAT | O_RDONLY, 0o666)],
  ['O_CREAT alone', () => fs.openSync('data/lakehouse/ohlcv/created.csv', O_CREAT)],
  ['O_CREAT|O_WRONLY|O_EXCL', () => fs.openSync('data/lakehouse/created-wo.csv', O_CREAT | O_WRONLY | O_EXCL)],
  ['O_CREAT|O_RDWR callback', () => viaCallback((cb) => fs.open('data/lakehouse/created-cb.csv', O_CREAT | O_RDWR, cb))],
  ['O_CREAT promises', async () => (await fs.promises.open('data/lakehouse/created-p.csv', O_CREAT | O_RDONLY)).fd],
];
for (const [name, call] of attempts) {
  try {
    console.log(`${name}: opened ${await call()}`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
