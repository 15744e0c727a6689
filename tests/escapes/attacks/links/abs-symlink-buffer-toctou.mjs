/* @attack {"title": "write a Buffer path that names a run-dir decoy when the guard decides and runs/attacker/lake.csv (-> AAPL.csv) when Node opens it", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
// decoy.csv and lake.csv differ in the first four bytes of the name only; an
// options getter, which Node calls after the guard has decided, rewrites them.
const decoy = `${run}/deco.csv`;
const link = `${run}/lake.csv`;
fs.writeFileSync(decoy, 'decoy\n');
const rewriting = (bytes) => ({
  get encoding() {
    bytes.write(link);
    return 'utf8';
  },
});
const attempts = [
  ['writeFileSync', (p) => fs.writeFileSync(p, 'poisoned via a rewritten Buffer path\n', rewriting(p))],
  ['appendFileSync', (p) => fs.appendFileSync(p, 'poisoned via a rewritten Buffer path\n', rewriting(p))],
  ['writeFile callback', (p) => new Promise((resolve, reject) => fs.writeFile(p, 'poisoned\n', rewriting(p), (e) => (e ? reject(e) : resolve())))],
  ['promises.writeFile', (p) => fs.promises.writeFile(p, 'poisoned\n', rewriting(p))],
];
for (const [name, call] of attempts) {
  try {
    await call(Buffer.from(decoy));
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}

// The trick above is neutralized: the guard hands Node exactly the path it decided on, so
// the write lands on the decoy. A hostile sleeve then tries the direct route, which is refused.
try {
  fs.writeFileSync('data/lakehouse/AAPL.csv', 'poisoned directly\n');
} catch (error) {
  console.log(`direct route: ${error.code}`);
}
