/* @attack {"title": "append to ~/.profile through a write stream"} */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
const out = fs.createWriteStream(path.join(process.env.HOME ?? os.homedir(), '.profile'), { flags: 'a' });
await new Promise((resolve, reject) => {
  out.on('error', reject);
  out.end('\nexport PWNED=1\n', resolve);
});
