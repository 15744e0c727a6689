/* @attack {"title": "rename lakehouse files and directories into the run dir, directly and through the run dir's relative symlink chain", "setup": ["rel-symlink-chain"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['renameSync AAPL.csv', () => fs.renameSync('data/lakehouse/AAPL.csv', `${run}/AAPL.csv`)],
  ['renameSync c2/AAPL.csv', () => fs.renameSync(`${run}/c2/AAPL.csv`, `${run}/AAPL.csv`)],
  ['renameSync c1/MSFT.csv', () => fs.renameSync(`${run}/c1/MSFT.csv`, `${run}/MSFT.csv`)],
  ['renameSync c2/ohlcv dir', () => fs.renameSync(`${run}/c2/ohlcv`, `${run}/ohlcv`)],
  ['renameSync the candidates file', () => fs.renameSync(`${run}/c2/portfolio_candidates.json`, `${run}/portfolio_candidates.json`)],
  ['rename callback', () => viaCallback((cb) => fs.rename(`${run}/c2/AAPL.csv`, `${run}/cb.csv`, cb))],
  ['promises.rename', () => fs.promises.rename('data/lakehouse/ohlcv/SPY.csv', `${run}/SPY.csv`)],
  ['renameSync relative', () => fs.renameSync('runs/attacker/c2/MSFT.csv', 'runs/attacker/m.csv')],
  ['renameSync c2 itself', () => fs.renameSync(`${run}/c2`, `${run}/c3`)],
  ['renameSync c1 itself', () => fs.renameSync(`${run}/c1`, `${run}/c0`)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
