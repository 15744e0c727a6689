/* @attack {"title": "fs.cp / cpSync / promises.cp, recursive, of a run-dir tree into and over the lakehouse"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
fs.mkdirSync(`${run}/tree/ohlcv`, { recursive: true });
fs.writeFileSync(`${run}/tree/AAPL.csv`, 'poisoned by cp\n');
fs.writeFileSync(`${run}/tree/planted.csv`, 'planted by cp\n');
fs.writeFileSync(`${run}/tree/ohlcv/SPY.csv`, 'poisoned by cp\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['cpSync tree over lakehouse', () => fs.cpSync(`${run}/tree`, 'data/lakehouse', { recursive: true, force: true })],
  ['cpSync tree with a filter saying yes', () => fs.cpSync(`${run}/tree`, 'data/lakehouse', { recursive: true, filter: () => true })],
  ['cpSync into a new lakehouse dir', () => fs.cpSync(`${run}/tree`, 'data/lakehouse/sub', { recursive: true })],
  ['cpSync file over a lakehouse file', () => fs.cpSync(`${run}/tree/AAPL.csv`, 'data/lakehouse/AAPL.csv')],
  ['cpSync preserveTimestamps', () => fs.cpSync(`${run}/tree/ohlcv`, 'data/lakehouse/ohlcv', { recursive: true, preserveTimestamps: true })],
  ['cp callback', () => viaCallback((cb) => fs.cp(`${run}/tree`, 'data/lakehouse', { recursive: true }, cb))],
  ['promises.cp', () => fs.promises.cp(`${run}/tree`, 'data/lakehouse', { recursive: true, force: true })],
  ['cpSync run dir parent', () => fs.cpSync(`${run}/tree`, `${run}/../../data/lakehouse`, { recursive: true })],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
