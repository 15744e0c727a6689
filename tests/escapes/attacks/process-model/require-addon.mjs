/* @attack {"title": "require() a .node addon planted in the own run dir (goes through Module._extensions['.node'])"} */
import fs from 'node:fs';
import { createRequire } from 'node:module';
const file = `${process.env.SLEEVE_RUN_DIR}/evil.node`;
fs.writeFileSync(file, Buffer.from('\x7fELF not really an addon'));
const req = createRequire(import.meta.url);
req(file);
