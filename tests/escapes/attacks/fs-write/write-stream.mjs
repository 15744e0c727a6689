/* @attack {"title": "fs.createWriteStream over a lakehouse file and to a new lakehouse file"} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';

for (const target of ['data/lakehouse/AAPL.csv', 'data/lakehouse/new.csv', 'data/lakehouse/ohlcv/SPY.csv']) {
  try {
    const stream = fs.createWriteStream(target);
    stream.end('poisoned through a write stream\n');
    await finished(stream);
    console.log(`${target}: done`);
  } catch (error) {
    console.log(`${target}: ${error.code}`);
  }
}
