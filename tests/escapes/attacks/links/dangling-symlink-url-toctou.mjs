/* @attack {"title": "write a file: URL whose pathname is a run-dir decoy when the guard decides and runs/attacker/new.csv (dangling -> data/lakehouse/new.csv) when Node opens it", "setup": ["dangling-symlink-to-lakehouse"]} */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const decoy = `${run}/decoy.csv`;
const link = `${run}/new.csv`;
class Shifty extends URL {
  flipped = false;
  get pathname() {
    return this.flipped ? link : decoy;
  }
}
const flipping = (url) => ({
  get encoding() {
    url.flipped = true;
    return 'utf8';
  },
});
const attempts = [
  ['writeFileSync', (u) => fs.writeFileSync(u, 'planted via a shifting URL\n', flipping(u))],
  ['appendFileSync', (u) => fs.appendFileSync(u, 'planted via a shifting URL\n', flipping(u))],
  ['promises.writeFile', (u) => fs.promises.writeFile(u, 'planted\n', flipping(u))],
  // Without a getter: the guard reads the pathname once, Node reads it again.
  ['count-based', (u) => {
    let reads = 0;
    Object.defineProperty(u, 'pathname', { get: () => (++reads <= 1 ? decoy : link) });
    fs.writeFileSync(u, 'planted via a shifting URL\n');
  }],
];
for (const [name, call] of attempts) {
  try {
    await call(new Shifty(pathToFileURL(decoy)));
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
