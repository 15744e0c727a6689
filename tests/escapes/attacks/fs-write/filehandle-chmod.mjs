/* @attack {"title": "FileHandle opened 'r' on a lakehouse file: chmod"} */
import fsp from 'node:fs/promises';

const handle = await fsp.open('data/lakehouse/AAPL.csv', 'r');
for (const mode of [0o777, 0o000, '777']) {
  try {
    await handle.chmod(mode);
    console.log(`chmod ${mode}: done`);
  } catch (error) {
    console.log(`chmod ${mode}: ${error.code}`);
  }
}
await handle.close();
