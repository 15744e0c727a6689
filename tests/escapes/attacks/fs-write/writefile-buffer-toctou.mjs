/* @attack {"title": "write APIs with a Buffer / Uint8Array path that an options getter rewrites to a lakehouse path after the guard decided"} */
import fs from 'node:fs';
import path from 'node:path';

// The guard decides on the bytes the path buffer holds when it is called; Node
// reads them again after it has read the options object. The decoy is a run-dir
// path of exactly the same length, so only the bytes change.
const run = process.env.SLEEVE_RUN_DIR;
const lake = path.resolve('data/lakehouse/AAPL.csv');
const decoy = `${run}/${'d'.repeat(lake.length - run.length - 1)}`;
const encoder = new TextEncoder();
const rewriting = (bytes) => ({
  get encoding() {
    bytes.set(encoder.encode(lake));
    return 'utf8';
  },
});
const attempts = [
  ['writeFileSync Buffer', (p) => fs.writeFileSync(p, 'poisoned via a rewritten path\n', rewriting(p))],
  ['appendFileSync Buffer', (p) => fs.appendFileSync(p, 'poisoned via a rewritten path\n', rewriting(p))],
  ['writeFileSync Uint8Array', (p) => fs.writeFileSync(new Uint8Array(p.buffer, p.byteOffset, p.length), 'poisoned\n', rewriting(p))],
  ['writeFile callback', (p) => new Promise((resolve, reject) => fs.writeFile(p, 'poisoned\n', rewriting(p), (e) => (e ? reject(e) : resolve())))],
  ['promises.writeFile', (p) => fs.promises.writeFile(p, 'poisoned\n', rewriting(p))],
];
for (const [name, run] of attempts) {
  const p = Buffer.from(decoy);
  try {
    await run(p);
    console.log(`${name}: done (${p.toString()})`);
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
