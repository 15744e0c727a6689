/* @attack {"title": "FileHandle opened 'r' on a lakehouse file: truncate"} */
import fsp from 'node:fs/promises';

for (const target of ['data/lakehouse/AAPL.csv', 'data/lakehouse/ohlcv/SPY.csv']) {
  const handle = await fsp.open(target, 'r');
  for (const len of [0, 4, undefined]) {
    try {
      await handle.truncate(len);
      console.log(`truncate ${target} ${len}: done`);
    } catch (error) {
      console.log(`truncate ${target} ${len}: ${error.code}`);
    }
  }
  await handle.close();
}
