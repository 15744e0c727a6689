/* @attack {"title": "rm / rmSync / promises.rm on lakehouse files and directories, recursive and forced"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['rmSync file', () => fs.rmSync('data/lakehouse/AAPL.csv')],
  ['rmSync dir recursive', () => fs.rmSync('data/lakehouse/ohlcv', { recursive: true, force: true })],
  ['rmSync lakehouse', () => fs.rmSync('data/lakehouse', { recursive: true, force: true })],
  ['rmSync through the run dir', () => fs.rmSync(`${run}/../../data/lakehouse/MSFT.csv`, { force: true })],
  ['rmSync with retries', () => fs.rmSync('data/lakehouse/MSFT.csv', { force: true, maxRetries: 3 })],
  ['rm callback', () => viaCallback((cb) => fs.rm('data/lakehouse/MSFT.csv', { force: true }, cb))],
  ['promises.rm', () => fs.promises.rm('data/lakehouse', { recursive: true, force: true })],
  ['rmSync data', () => fs.rmSync('data', { recursive: true, force: true })],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
