/* @attack {"title": "race: one loop swaps runs/attacker/x between a regular file and a symlink to data/lakehouse/AAPL.csv while another writes to x", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
import path from 'node:path';

// The swapper makes its own symlink (fs.symlink), and also tries to move the
// harness's runs/attacker/lake.csv (-> AAPL.csv) into place with rename/link.
// The writer writes x with every write API, sync and async, as fast as it can.
const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const lake = path.resolve('data/lakehouse/AAPL.csv');
const x = `${run}/x`;
fs.writeFileSync(x, 'regular\n');
const fsp = fs.promises;
const until = Date.now() + 2500;
const tally = new Map();
const note = (what, error) => {
  const key = `${what}: ${error ? error.code : 'ok'}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
};
const quietly = async (what, op) => {
  try {
    await op();
    note(what);
  } catch (error) {
    note(what, error);
  }
};

async function swapper() {
  let i = 0;
  while (Date.now() < until) {
    i++;
    await quietly('symlink', () => fsp.symlink(lake, `${run}/l${i}`));
    await quietly('rename link over x', () => fsp.rename(`${run}/l${i}`, x));
    await quietly('rename harness link over x', () => fsp.rename(`${run}/lake.csv`, x));
    await quietly('hard-link harness link as x', () => fsp.link(`${run}/lake.csv`, x));
    await quietly('regular file', () => fsp.writeFile(`${run}/r${i}`, 'regular\n'));
    await quietly('rename regular over x', () => fsp.rename(`${run}/r${i}`, x));
    await new Promise((r) => setImmediate(r));
  }
}

async function writer() {
  while (Date.now() < until) {
    await quietly('promises.writeFile x', () => fsp.writeFile(x, 'poisoned by the race\n'));
    await quietly('writeFileSync x', () => fs.writeFileSync(x, 'poisoned by the race\n'));
    await quietly('writeFile callback x', () => new Promise((resolve, reject) => fs.writeFile(x, 'poisoned by the race\n', (e) => (e ? reject(e) : resolve()))));
    await quietly('open r+ x', async () => {
      const handle = await fsp.open(x, 'r+');
      try {
        await handle.write('POISON', 0);
      } finally {
        await handle.close();
      }
    });
    await quietly('appendFileSync x', () => fs.appendFileSync(x, 'poisoned\n'));
  }
}

async function syncWriter() {
  // Tight synchronous bursts, between the swapper's async steps.
  while (Date.now() < until) {
    for (let k = 0; k < 50; k++) {
      try {
        fs.writeFileSync(x, 'poisoned by the race (sync burst)\n');
        note('burst writeFileSync x');
      } catch (error) {
        note('burst writeFileSync x', error);
      }
    }
    await new Promise((r) => setImmediate(r));
  }
}

await Promise.all([swapper(), writer(), syncWriter()]);
fs.writeFileSync(`${run}/tally.txt`, `${[...tally].map(([k, v]) => `${k} x${v}`).join('\n')}\n`);
console.log(fs.readFileSync(`${run}/tally.txt`, 'utf8'));
