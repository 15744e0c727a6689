/* @attack {"title": "write through a descriptor opened 'r' on a lakehouse file: writeSync, write, writeFileSync(fd), appendFileSync(fd)"} */
import fs from 'node:fs';

const fd = fs.openSync('data/lakehouse/AAPL.csv', 'r');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['writeSync string', () => fs.writeSync(fd, 'poisoned\n', 0)],
  ['writeSync buffer', () => fs.writeSync(fd, Buffer.from('poisoned\n'), 0, 9, 0)],
  ['write callback', () => viaCallback((cb) => fs.write(fd, Buffer.from('poisoned\n'), 0, 9, 0, cb))],
  ['writeFileSync(fd)', () => fs.writeFileSync(fd, 'poisoned\n')],
  ['appendFileSync(fd)', () => fs.appendFileSync(fd, 'poisoned\n')],
  ['writeFile(fd) callback', () => viaCallback((cb) => fs.writeFile(fd, 'poisoned\n', cb))],
  ['promises.writeFile(handle)', async () => {
    const handle = await fs.promises.open('data/lakehouse/MSFT.csv', 'r');
    await fs.promises.writeFile(handle, 'poisoned\n');
  }],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
