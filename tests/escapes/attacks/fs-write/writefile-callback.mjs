/* @attack {"title": "fs.writeFile (callback form) over a lakehouse file and to a new lakehouse file"} */
import fs from 'node:fs';
import path from 'node:path';

const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const targets = ['data/lakehouse/AAPL.csv', 'data/lakehouse/new.csv', path.resolve('data/lakehouse/ohlcv/SPY.csv')];
for (const target of targets) {
  for (const data of ['poisoned\n', Buffer.from('poisoned\n'), new Uint8Array([112, 10])]) {
    try {
      await viaCallback((cb) => fs.writeFile(target, data, cb));
      console.log(`writeFile ${target}: done`);
    } catch (error) {
      console.log(`writeFile ${target}: ${error.code}`);
    }
  }
  try {
    await viaCallback((cb) => fs.writeFile(target, 'poisoned\n', { flag: 'a' }, cb));
  } catch (error) {
    console.log(`writeFile flag a ${target}: ${error.code}`);
  }
}
