/* @attack {"title": "fs/promises readFile, and a FileHandle's readFile / read / readLines / readableWebStream, of the candidates file", "maxSeconds": 20} */
import fs from 'node:fs';
import fsp from 'node:fs/promises';

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

await attempt('promises.readFile', () => fsp.readFile(CANDIDATES));
await attempt('promises.readFile utf8', () => fsp.readFile(CANDIDATES, 'utf8'));
await attempt('FileHandle.readFile', async () => {
  const handle = await fsp.open(CANDIDATES);
  return handle.readFile();
});
await attempt('FileHandle.read', async () => {
  const handle = await fsp.open(CANDIDATES, 'r');
  const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(4096), position: 0 });
  return buffer.subarray(0, bytesRead);
});
await attempt('FileHandle.readLines', async () => {
  const handle = await fsp.open(CANDIDATES);
  let text = '';
  for await (const line of handle.readLines()) text += `${line}\n`;
  return text;
});
await attempt('FileHandle.readableWebStream', async () => {
  const handle = await fsp.open(CANDIDATES);
  const chunks = [];
  for await (const chunk of handle.readableWebStream()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
});
