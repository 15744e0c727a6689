/* @attack {"title": "appendFileSync to lakehouse files (existing, new, nested, by absolute path, with flags)"} */
import fs from 'node:fs';
import path from 'node:path';

const attempts = [
  ['existing', () => fs.appendFileSync('data/lakehouse/AAPL.csv', '2024-01-03,1.0\n')],
  ['nested', () => fs.appendFileSync('data/lakehouse/ohlcv/SPY.csv', '2024-01-03,1.0\n')],
  ['new file', () => fs.appendFileSync('data/lakehouse/new.csv', 'planted\n')],
  ['absolute', () => fs.appendFileSync(path.resolve('data/lakehouse/MSFT.csv'), Buffer.from('2024-01-03,1.0\n'))],
  ['flag r+', () => fs.appendFileSync('data/lakehouse/AAPL.csv', 'X', { flag: 'r+' })],
  ['flag w', () => fs.appendFileSync('data/lakehouse/MSFT.csv', 'X', { flag: 'w' })],
];
for (const [name, call] of attempts) {
  try {
    call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
