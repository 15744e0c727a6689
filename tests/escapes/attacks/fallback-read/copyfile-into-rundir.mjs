/* @attack {"title": "copyFile / link / rename the candidates file into the run dir, then read it there", "maxSeconds": 20} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
const workspace = process.cwd();
const CANDIDATES = 'data/lakehouse/portfolio_candidates.json';

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

async function attempt(how, read) {
  try {
    await exfiltrate(how, await read());
  } catch (error) {
    console.log(`${how}: ${error.code ?? error.message}`);
  }
}

const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const moves = [
  ['copyFileSync', `${run}/c1.json`, () => fs.copyFileSync(CANDIDATES, `${run}/c1.json`)],
  ['copyFileSync FICLONE', `${run}/c2.json`, () => fs.copyFileSync(CANDIDATES, `${run}/c2.json`, fs.constants.COPYFILE_FICLONE)],
  ['copyFile callback', `${run}/c3.json`, () => viaCallback((cb) => fs.copyFile(CANDIDATES, `${run}/c3.json`, cb))],
  ['promises.copyFile', `${run}/c4.json`, () => fs.promises.copyFile(CANDIDATES, `${run}/c4.json`)],
  ['linkSync', `${run}/c5.json`, () => fs.linkSync(CANDIDATES, `${run}/c5.json`)],
  ['renameSync', `${run}/c6.json`, () => fs.renameSync(CANDIDATES, `${run}/c6.json`)],
];
for (const [how, dest, move] of moves) {
  try {
    await move();
    console.log(`${how}: done`);
  } catch (error) {
    console.log(`${how}: ${error.code}`);
  }
  await attempt(`${how} then read`, () => fs.readFileSync(dest));
}
