/* @attack {"title": "Object.defineProperty / Object.defineProperties over the fs wrappers with a getter, then write OUTSIDE/x"} */
import fs from 'node:fs';
const ns = await import('node:fs');
for (const target of [fs, ns.default, fs.promises]) {
  try {
    Object.defineProperty(target, 'writeFileSync', { get: () => ns.writeFileSync, configurable: true });
  } catch {
    // non-configurable
  }
  try {
    Object.defineProperties(target, { openSync: { value: ns.openSync, writable: true } });
  } catch {
    // non-configurable
  }
}
fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'after defineProperty\n');
