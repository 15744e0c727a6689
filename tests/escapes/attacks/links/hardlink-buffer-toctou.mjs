/* @attack {"title": "write a Buffer path that names a run-dir file with one link when the guard checks and runs/attacker/hard.csv (= AAPL.csv) when Node opens it", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const decoy = `${run}/dddd.csv`;
const hard = `${run}/hard.csv`;
fs.writeFileSync(decoy, 'decoy\n');
const rewriting = (bytes) => ({
  get encoding() {
    bytes.write(hard);
    return 'utf8';
  },
});
const attempts = [
  ['writeFileSync', (p) => fs.writeFileSync(p, 'poisoned via a rewritten Buffer path\n', rewriting(p))],
  ['appendFileSync', (p) => fs.appendFileSync(p, 'poisoned via a rewritten Buffer path\n', rewriting(p))],
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
// The harness's own link raised AAPL.csv's link count, which its snapshot records.
fs.rmSync(hard, { force: true });

// The trick above is neutralized: the guard hands Node exactly the path it decided on, so
// the write lands on the decoy. A hostile sleeve then tries the direct route, which is refused.
try {
  fs.writeFileSync('data/lakehouse/AAPL.csv', 'poisoned directly\n');
} catch (error) {
  console.log(`direct route: ${error.code}`);
}
