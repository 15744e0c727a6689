/* @attack {"title": "the WriteStream / ReadStream classes used directly (not through createWriteStream) on lakehouse files"} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';

const attempts = [
  ['new WriteStream', () => new fs.WriteStream('data/lakehouse/AAPL.csv')],
  ['new WriteStream r+', () => new fs.WriteStream('data/lakehouse/MSFT.csv', { flags: 'r+', start: 0 })],
  ['WriteStream()', () => fs.WriteStream('data/lakehouse/new.csv')],
  ['new ReadStream w', () => new fs.ReadStream('data/lakehouse/ohlcv/SPY.csv', { flags: 'w' })],
];
for (const [name, make] of attempts) {
  try {
    const stream = make();
    if (stream.writable) stream.end('poisoned through the stream class\n');
    else stream.resume();
    await finished(stream);
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
