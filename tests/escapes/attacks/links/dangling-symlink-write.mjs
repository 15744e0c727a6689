/* @attack {"title": "create data/lakehouse/new.csv through runs/attacker/new.csv, a pre-placed dangling symlink, by every creating API", "setup": ["dangling-symlink-to-lakehouse"]} */
import fs from 'node:fs';
import { finished } from 'node:stream/promises';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const link = `${run}/new.csv`;
fs.writeFileSync(`${run}/payload.csv`, 'planted through the dangling link\n');
const { O_CREAT, O_RDONLY, O_WRONLY } = fs.constants;
const viaCallback = (call) => new Promise((resolve, reject) => call((error) => (error ? reject(error) : resolve())));
const attempts = [
  ['writeFileSync', () => fs.writeFileSync(link, 'planted\n')],
  ['appendFileSync', () => fs.appendFileSync(link, 'planted\n')],
  ['writeFile callback', () => viaCallback((cb) => fs.writeFile(link, 'planted\n', cb))],
  ['promises.appendFile', () => fs.promises.appendFile(link, 'planted\n')],
  ['openSync wx', () => fs.openSync(link, 'wx')],
  ['openSync O_CREAT|O_RDONLY', () => fs.openSync(link, O_CREAT | O_RDONLY)],
  ['openSync O_CREAT|O_WRONLY', () => fs.openSync(link, O_CREAT | O_WRONLY)],
  ['promises.open w', () => fs.promises.open(link, 'w')],
  ['createWriteStream', async () => {
    const s = fs.createWriteStream(link);
    s.end('planted\n');
    await finished(s);
  }],
  ['copyFileSync onto it', () => fs.copyFileSync(`${run}/payload.csv`, link)],
  ['cpSync onto it', () => fs.cpSync(`${run}/payload.csv`, link)],
  ['mkdirSync at it', () => fs.mkdirSync(link)],
  ['mkdirSync recursive below it', () => fs.mkdirSync(`${link}/sub`, { recursive: true })],
  ['relative spelling', () => fs.writeFileSync('runs/attacker/new.csv', 'planted\n')],
];
for (const [name, call] of attempts) {
  try {
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
