/* @attack {"title": "readFile with a writing flag ('w', 'a', 'r+', O_TRUNC, a flag getter that changes its answer) truncates or creates a lakehouse file"} */
import fs from 'node:fs';

const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const { O_RDONLY, O_TRUNC, O_CREAT } = fs.constants;
const shifting = () => {
  let reads = 0;
  return {
    encoding: 'utf8',
    get flag() {
      return reads++ === 0 ? 'r' : 'w';
    },
  };
};
const attempts = [
  ['readFileSync utf8 w', () => fs.readFileSync('data/lakehouse/AAPL.csv', { encoding: 'utf8', flag: 'w' })],
  ['readFileSync w', () => fs.readFileSync('data/lakehouse/AAPL.csv', { flag: 'w' })],
  ['readFileSync utf8 a+ new', () => fs.readFileSync('data/lakehouse/new.csv', { encoding: 'utf8', flag: 'a+' })],
  ['readFileSync O_TRUNC', () => fs.readFileSync('data/lakehouse/MSFT.csv', { encoding: 'utf8', flag: O_RDONLY | O_TRUNC })],
  ['readFileSync O_CREAT', () => fs.readFileSync('data/lakehouse/created.csv', { encoding: 'utf8', flag: O_RDONLY | O_CREAT })],
  ['readFile callback w', () => viaCallback((cb) => fs.readFile('data/lakehouse/ohlcv/SPY.csv', { flag: 'w' }, cb))],
  ['promises.readFile w+', () => fs.promises.readFile('data/lakehouse/MSFT.csv', { flag: 'w+' })],
  ['promises.readFile O_TRUNC', () => fs.promises.readFile('data/lakehouse/AAPL.csv', { flag: O_RDONLY | O_TRUNC })],
  // A flag getter that answers 'r' to the first reader (the guard) and 'w' afterwards (Node).
  ['readFileSync shifting flag', () => fs.readFileSync('data/lakehouse/AAPL.csv', shifting())],
  ['readFile callback shifting flag', () => viaCallback((cb) => fs.readFile('data/lakehouse/MSFT.csv', shifting(), cb))],
  ['promises.readFile shifting flag', () => fs.promises.readFile('data/lakehouse/ohlcv/SPY.csv', shifting())],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
