/* @attack {"title": "FileHandle opened 'r' on a lakehouse file: write, writev, writeFile, appendFile"} */
import fsp from 'node:fs/promises';

const handle = await fsp.open('data/lakehouse/AAPL.csv', 'r');
const attempts = [
  ['write string', () => handle.write('poisoned\n', 0)],
  ['write buffer', () => handle.write(Buffer.from('poisoned\n'), 0, 9, 0)],
  ['writev', () => handle.writev([Buffer.from('poi'), Buffer.from('soned\n')], 0)],
  ['writeFile', () => handle.writeFile('poisoned\n')],
  ['appendFile', () => handle.appendFile('poisoned\n')],
  ['prototype write', () => Object.getPrototypeOf(handle).write.call(handle, 'poisoned\n', 0)],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
await handle.close();
