/* @attack {"title": "write, create, delete and mkdir through runs/attacker/c2 -> c1 -> ../../data/lakehouse", "setup": ["rel-symlink-chain"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.writeFileSync(`${run}/payload.csv`, 'poisoned through the chain\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['writeFileSync c2/AAPL.csv', () => fs.writeFileSync(`${run}/c2/AAPL.csv`, 'poisoned\n')],
  ['writeFileSync c1/MSFT.csv', () => fs.writeFileSync(`${run}/c1/MSFT.csv`, 'poisoned\n')],
  ['writeFileSync relative', () => fs.writeFileSync('runs/attacker/c2/ohlcv/SPY.csv', 'poisoned\n')],
  ['create c2/new.csv', () => fs.writeFileSync(`${run}/c2/new.csv`, 'planted\n')],
  ['appendFile callback', () => viaCallback((cb) => fs.appendFile(`${run}/c2/AAPL.csv`, 'poisoned\n', cb))],
  ['promises.writeFile', () => fs.promises.writeFile(`${run}/c2/MSFT.csv`, 'poisoned\n')],
  ['open r+', () => fs.writeSync(fs.openSync(`${run}/c2/AAPL.csv`, 'r+'), 'XXXX', 0)],
  ['mkdirSync c2/planted', () => fs.mkdirSync(`${run}/c2/planted`)],
  ['unlinkSync c2/MSFT.csv', () => fs.unlinkSync(`${run}/c2/MSFT.csv`)],
  ['rmSync c2/ohlcv', () => fs.rmSync(`${run}/c2/ohlcv`, { recursive: true, force: true })],
  ['rmSync c2/ recursive', () => fs.rmSync(`${run}/c2/`, { recursive: true, force: true })],
  ['renameSync payload into c2', () => fs.renameSync(`${run}/payload.csv`, `${run}/c2/AAPL.csv`)],
  ['copyFileSync into c2', () => fs.copyFileSync(`${run}/payload.csv`, `${run}/c1/ohlcv/SPY.csv`)],
  ['cpSync into c2', () => fs.cpSync(`${run}/payload.csv`, `${run}/c2/cp.csv`)],
  ['chmodSync c2/AAPL.csv', () => fs.chmodSync(`${run}/c2/AAPL.csv`, 0o777)],
  ['utimesSync c2/ohlcv', () => fs.utimesSync(`${run}/c2/ohlcv`, 0, 0)],
  ['mkdtempSync c2/', () => fs.mkdtempSync(`${run}/c2/tmp-`)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
