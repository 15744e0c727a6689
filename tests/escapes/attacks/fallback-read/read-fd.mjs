/* @attack {"title": "open the candidates file and read through the descriptor: readSync, read, readvSync, readFileSync(fd)", "maxSeconds": 20} */
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
const open = () => fs.openSync(CANDIDATES, 'r');
await attempt('readSync', () => {
  const buf = Buffer.alloc(4096);
  return buf.subarray(0, fs.readSync(open(), buf, 0, 4096, 0));
});
await attempt('read callback', async () => {
  const fd = await viaCallback((cb) => fs.open(CANDIDATES, cb));
  const buf = Buffer.alloc(4096);
  const n = await viaCallback((cb) => fs.read(fd, buf, 0, 4096, 0, cb));
  return buf.subarray(0, n);
});
await attempt('readvSync', () => {
  const buf = Buffer.alloc(4096);
  return buf.subarray(0, fs.readvSync(open(), [buf], 0));
});
await attempt('readFileSync(fd)', () => fs.readFileSync(open(), 'utf8'));
await attempt('numeric O_RDONLY', () => fs.readFileSync(fs.openSync(CANDIDATES, fs.constants.O_RDONLY)));
