/* @attack {"title": "Stats.prototype.isFile (and BigIntStats') made to answer false, so the hard-link check lets a write through a pre-placed hard link of the lakehouse", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const bigintProto = Object.getPrototypeOf(fs.lstatSync(run, { bigint: true }));
for (const proto of [fs.Stats.prototype, bigintProto]) proto.isFile = () => false;
try {
  fs.writeFileSync(`${run}/hard.csv`, 'poisoned through a lying Stats.prototype.isFile\n');
  console.log('written');
} catch (error) {
  console.log(error.code);
}
fs.rmSync(`${run}/hard.csv`, { force: true });
