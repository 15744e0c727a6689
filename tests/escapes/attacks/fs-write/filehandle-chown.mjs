/* @attack {"title": "FileHandle opened 'r' on a lakehouse file: chown", "maxSeconds": 25} */
import fs from 'node:fs';
import fsp from 'node:fs/promises';

// A changed owner is not in the harness's snapshot (mode, links, mtime, bytes),
// so a chown that goes through keeps this run alive past maxSeconds: the harness
// then fails it ("no report") instead of passing it on a later denial.
const before = fs.statSync('data/lakehouse/AAPL.csv');
const handle = await fsp.open('data/lakehouse/AAPL.csv', 'r');
let changed = false;
for (const [uid, gid] of [
  [1, 1],
  [65534, 65534],
  [before.uid, before.gid],
]) {
  try {
    await handle.chown(uid, gid);
    const after = await handle.stat();
    console.log(`chown ${uid}:${gid}: done (now ${after.uid}:${after.gid})`);
    if (after.uid !== before.uid || after.gid !== before.gid || after.ctimeMs !== before.ctimeMs) changed = true;
  } catch (error) {
    console.log(`chown ${uid}:${gid}: ${error.code}`);
  }
}
await handle.close();
if (changed) {
  console.log('ESCAPED: a read-only FileHandle changed the owner of a lakehouse file');
  await new Promise((resolve) => setTimeout(resolve, 120_000));
}
