/* @attack {"title": "FileHandle opened 'r' on a lakehouse file: utimes"} */
import fsp from 'node:fs/promises';

const handle = await fsp.open('data/lakehouse/MSFT.csv', 'r');
for (const [atime, mtime] of [
  [0, 0],
  [new Date('2001-01-01'), new Date('2001-01-01')],
  ['1000', '1000'],
]) {
  try {
    await handle.utimes(atime, mtime);
    console.log(`utimes ${String(mtime)}: done`);
  } catch (error) {
    console.log(`utimes ${String(mtime)}: ${error.code}`);
  }
}
await handle.close();
