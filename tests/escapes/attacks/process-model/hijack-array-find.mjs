/* @attack {"title": "hijack Array.prototype.find so the policy engine's rule lookup answers with the first allow rule; write through the pre-placed symlink to the lakehouse", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const realFind = Array.prototype.find;
let hijacked = false;
try {
  Array.prototype.find = function find(pred, thisArg) {
    const hit = Reflect.apply(realFind, this, [pred, thisArg]);
    if (hit === undefined && this.length > 0 && typeof this[0]?.test === 'function') return this[0];
    return hit;
  };
  hijacked = true;
} catch {
  // Array.prototype.find is read-only: the write below must then be refused
}
try {
  fs.writeFileSync(`${dir}/lake.csv`, 'poisoned: the engine was told every path matches\n');
} finally {
  if (hijacked) Array.prototype.find = realFind;
}
