/* @attack {"title": "lchmod on lakehouse files (where Node has it), otherwise promises.lchmod and fchmod through a read-only descriptor"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [];
if (typeof fs.lchmodSync === 'function') {
  attempts.push(['lchmodSync', () => fs.lchmodSync('data/lakehouse/AAPL.csv', 0o777)]);
  attempts.push(['lchmod callback', () => viaCallback((cb) => fs.lchmod('data/lakehouse/MSFT.csv', 0o777, cb))]);
} else {
  console.log('no fs.lchmod on this platform: trying the other ways');
}
attempts.push(['promises.lchmod', () => fs.promises.lchmod('data/lakehouse/AAPL.csv', 0o777)]);
const handle = await fs.promises.open('data/lakehouse/ohlcv/SPY.csv', 'r');
attempts.push(['FileHandle chmod', () => handle.chmod(0o777)]);
const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
attempts.push(['fchmodSync', () => fs.fchmodSync(fd, 0o777)]);
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code ?? error.message}`);
  }
}
await handle.close();
