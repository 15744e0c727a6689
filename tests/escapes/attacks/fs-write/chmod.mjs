/* @attack {"title": "chmod / chmodSync / promises.chmod / fchmod on lakehouse files and directories"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const fd = fs.openSync('data/lakehouse/MSFT.csv', 'r');
const attempts = [
  ['chmodSync', () => fs.chmodSync('data/lakehouse/AAPL.csv', 0o777)],
  ['chmodSync string mode', () => fs.chmodSync('data/lakehouse/AAPL.csv', '600')],
  ['chmodSync dir', () => fs.chmodSync('data/lakehouse/ohlcv', 0o700)],
  ['chmodSync lakehouse', () => fs.chmodSync('data/lakehouse', 0o777)],
  ['chmod callback', () => viaCallback((cb) => fs.chmod('data/lakehouse/MSFT.csv', 0o600, cb))],
  ['promises.chmod', () => fs.promises.chmod('data/lakehouse/ohlcv/SPY.csv', 0o600)],
  ['fchmodSync read-only fd', () => fs.fchmodSync(fd, 0o777)],
  ['fchmod callback read-only fd', () => viaCallback((cb) => fs.fchmod(fd, 0o600, cb))],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
