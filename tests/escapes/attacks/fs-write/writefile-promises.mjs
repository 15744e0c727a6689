/* @attack {"title": "fs/promises writeFile over a lakehouse file (string, Buffer, async iterable, flags)"} */
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';

const attempts = [
  ['string', () => fsp.writeFile('data/lakehouse/AAPL.csv', 'poisoned\n')],
  ['buffer', () => fsp.writeFile('data/lakehouse/MSFT.csv', Buffer.from('poisoned\n'))],
  ['iterable', () => fsp.writeFile('data/lakehouse/AAPL.csv', Readable.from(['poi', 'soned\n']))],
  ['flag r+', () => fsp.writeFile('data/lakehouse/AAPL.csv', 'X', { flag: 'r+' })],
  ['flag a', () => fsp.writeFile('data/lakehouse/ohlcv/SPY.csv', 'poisoned\n', { flag: 'a' })],
  ['new file', () => fsp.writeFile('data/lakehouse/new.csv', 'planted\n')],
];
for (const [name, run] of attempts) {
  try {
    await run();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
