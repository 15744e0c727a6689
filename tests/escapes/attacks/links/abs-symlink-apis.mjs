/* @attack {"title": "every write API through runs/attacker/lake.csv, a pre-placed symlink to data/lakehouse/AAPL.csv", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const link = `${run}/lake.csv`;
fs.writeFileSync(`${run}/payload.csv`, 'poisoned through the link\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['appendFileSync', () => fs.appendFileSync(link, 'poisoned\n')],
  ['writeFile callback', () => viaCallback((cb) => fs.writeFile(link, 'poisoned\n', cb))],
  ['promises.writeFile', () => fs.promises.writeFile(link, 'poisoned\n')],
  ['relative spelling', () => fs.writeFileSync('runs/attacker/lake.csv', 'poisoned\n')],
  ['URL', () => fs.writeFileSync(pathToFileURL(link), 'poisoned\n')],
  ['Buffer', () => fs.writeFileSync(Buffer.from(link), 'poisoned\n')],
  ['openSync r+', () => fs.writeSync(fs.openSync(link, 'r+'), 'XXXX', 0)],
  ['openSync O_TRUNC', () => fs.openSync(link, fs.constants.O_RDONLY | fs.constants.O_TRUNC)],
  ['promises.open a', async () => (await fs.promises.open(link, 'a')).write('poisoned\n')],
  ['createWriteStream', async () => {
    const s = fs.createWriteStream(link, { flags: 'r+' });
    s.end('XXXX');
    await finished(s);
  }],
  ['truncateSync', () => fs.truncateSync(link, 0)],
  ['chmodSync', () => fs.chmodSync(link, 0o777)],
  ['utimesSync', () => fs.utimesSync(link, 0, 0)],
  ['copyFileSync onto it', () => fs.copyFileSync(`${run}/payload.csv`, link)],
  ['cpSync onto it', () => fs.cpSync(`${run}/payload.csv`, link, { force: true })],
  ['through /proc/self/cwd', () => fs.writeFileSync('/proc/self/cwd/runs/attacker/lake.csv', 'poisoned\n')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
