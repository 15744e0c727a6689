/* @attack {"title": "an fs.promises.writeFile through run/dN/.. decided while dN does not exist, raced on the threadpool by a symlinkSync that makes dN a link into the lakehouse (under the JS guard alone 3 of 40 tries planted a lakehouse file: a check before Node's use; Node's layer refuses the link, the OS layer mounts the lakehouse read-only)"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
const ohlcv = path.resolve('data/lakehouse/ohlcv');
const seen = {};
for (let i = 0; i < 40; i++) {
  const d = path.join(run, `d${i}`);
  const write = fs.promises.writeFile(`${d}/../planted${i}.csv`, 'PLANTED\n');
  try {
    fs.symlinkSync(ohlcv, d);
  } catch (error) {
    seen[`link ${error.code}`] = (seen[`link ${error.code}`] ?? 0) + 1;
  }
  try {
    await write;
    seen.written = (seen.written ?? 0) + 1;
  } catch (error) {
    seen[`write ${error.code}`] = (seen[`write ${error.code}`] ?? 0) + 1;
  }
}
console.log(JSON.stringify(seen));
