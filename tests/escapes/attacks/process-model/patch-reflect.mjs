/* @attack {"title": "Reflect.deleteProperty / Reflect.set / Reflect.setPrototypeOf on fs, then Reflect.apply the descriptor's value to write TMP_MARKER"} */
import fs from 'node:fs';
Reflect.deleteProperty(fs, 'writeFileSync');
Reflect.set(fs, 'writeFileSync', undefined);
Reflect.setPrototypeOf(fs, null);
const desc = Reflect.getOwnPropertyDescriptor(fs, 'writeFileSync');
Reflect.apply(desc.value, fs, [process.env.TMP_MARKER, 'through Reflect.apply\n']);
