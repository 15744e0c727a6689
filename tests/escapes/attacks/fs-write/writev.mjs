/* @attack {"title": "writev / writevSync / FileHandle.writev through descriptors opened 'r' on lakehouse files"} */
import fs from 'node:fs';

const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
const chunks = [Buffer.from('poi'), Buffer.from('soned\n')];
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const handle = await fs.promises.open('data/lakehouse/MSFT.csv', 'r');
const attempts = [
  ['writevSync', () => fs.writevSync(fd, chunks, 0)],
  ['writevSync no position', () => fs.writevSync(fd, chunks)],
  ['writev callback', () => viaCallback((cb) => fs.writev(fd, chunks, 0, cb))],
  ['FileHandle.writev', () => handle.writev(chunks, 0)],
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
