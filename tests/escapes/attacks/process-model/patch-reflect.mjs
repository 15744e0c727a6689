/* @attack {"title": "Reflect.deleteProperty / Reflect.set / Reflect.setPrototypeOf on fs, then Reflect.apply whatever writeFileSync is still reachable (the descriptor's value or getter, the ESM namespace, require, getBuiltinModule) to write TMP_MARKER"} */
import * as ns from 'node:fs';
import fs from 'node:fs';
import { createRequire } from 'node:module';
Reflect.deleteProperty(fs, 'writeFileSync');
Reflect.set(fs, 'writeFileSync', undefined);
Reflect.setPrototypeOf(fs, null);
const desc = Reflect.getOwnPropertyDescriptor(fs, 'writeFileSync');
// fs wrappers may be assigned (graceful-fs does): after the Reflect.set above the property reads
// undefined, so the attack takes the first writeFileSync it can still reach.
const candidates = [
  desc?.value,
  desc?.get?.call(fs),
  ns.writeFileSync,
  createRequire(import.meta.url)('node:fs').writeFileSync,
  process.getBuiltinModule?.('node:fs')?.writeFileSync,
];
const found = candidates.find((f) => typeof f === 'function');
Reflect.apply(found, fs, [process.env.TMP_MARKER, 'through Reflect.apply\n']);
