/* @attack {"title": "read secrets/token.txt by every read API and spelling, and write it into the run dir and to stdout", "maxSeconds": 20} */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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
const abs = path.resolve(TOKEN);
await attempt('readFileSync', () => fs.readFileSync(TOKEN));
await attempt('readFile callback', () => viaCallback((cb) => fs.readFile(TOKEN, cb)));
await attempt('promises.readFile', () => fs.promises.readFile(abs, 'utf8'));
await attempt('openSync+readSync', () => {
  const buf = Buffer.alloc(256);
  return buf.subarray(0, fs.readSync(fs.openSync(TOKEN, 'r'), buf));
});
await attempt('createReadStream', async () => {
  const chunks = [];
  for await (const c of fs.createReadStream(TOKEN)) chunks.push(c);
  return Buffer.concat(chunks);
});
await attempt('file: URL', () => fs.readFileSync(pathToFileURL(abs)));
await attempt('Buffer', () => fs.readFileSync(Buffer.from(abs)));
await attempt('/proc/self/cwd', () => fs.readFileSync(`/proc/self/cwd/${TOKEN}`));
await attempt('through the run dir', () => fs.readFileSync(`${run}/../../${TOKEN}`));
await attempt('through the lakehouse', () => fs.readFileSync('data/lakehouse/ohlcv/../../../secrets/token.txt'));
await attempt('double slashes', () => fs.readFileSync('secrets//token.txt'));
await attempt('realpath then read', () => fs.readFileSync(fs.realpathSync(TOKEN)));
await attempt('opendir secrets', () => {
  const d = fs.opendirSync('secrets');
  const e = d.readSync();
  return fs.readFileSync(path.join('secrets', e.name));
});
if (typeof fs.openAsBlob === 'function') await attempt('openAsBlob', async () => (await fs.openAsBlob(TOKEN)).text());
