/* @attack {"title": "read streams of the candidates file (createReadStream, the ReadStream class, piped straight into the run dir)", "maxSeconds": 20} */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';

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

const collect = async (stream) => {
  const chunks = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
};
await attempt('createReadStream', () => collect(fs.createReadStream(CANDIDATES)));
await attempt('createReadStream utf8 start', () => collect(fs.createReadStream(CANDIDATES, { encoding: 'utf8', start: 0 })));
await attempt('new ReadStream', () => collect(new fs.ReadStream(CANDIDATES)));
await attempt('ReadStream()', () => collect(fs.ReadStream(CANDIDATES)));
await attempt('pipe into the run dir', async () => {
  await pipeline(fs.createReadStream(CANDIDATES), fs.createWriteStream(`${run}/piped.json`));
  return fs.readFileSync(`${run}/piped.json`);
});
await attempt('read stream on a FileHandle', async () => collect((await fs.promises.open(CANDIDATES)).createReadStream()));
