/* @attack {"title": "not an attack: an innocent sleeve makes temp dirs in its run dir with mkdtemp (sync, callback, promise, relative), leaves some empty and writes in others; the audit must be clean", "expect": "allowed"} */
import fs from 'node:fs';
import path from 'node:path';

const run = process.env.SLEEVE_RUN_DIR;
const made = [
  fs.mkdtempSync(path.join(run, 'sync-')),
  await new Promise((resolve, reject) => fs.mkdtemp(path.join(run, 'cb-'), (e, d) => (e ? reject(e) : resolve(d)))),
  await fs.promises.mkdtemp(path.join(run, 'p-')),
  fs.mkdtempSync(path.join(path.relative(process.cwd(), run), 'rel-')),
  fs.mkdtempSync(Buffer.from(path.join(run, 'buf-'))).toString(),
];
fs.writeFileSync(path.join(made[0], 'out.txt'), 'fine\n');
console.log(made.join('\n'));
