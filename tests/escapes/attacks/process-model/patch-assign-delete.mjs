/* @attack {"title": "monkey-patch the guard: delete and reassign fs.writeFileSync / fs.openSync, then write TMP_MARKER"} */
import fs from 'node:fs';
const attempts = [];
const tries = {
  delete: () => delete fs.writeFileSync,
  assign: () => {
    fs.openSync = () => 99;
  },
  deleteOpen: () => delete fs.openSync,
  assignPromises: () => {
    fs.promises.writeFile = async () => undefined;
  },
};
for (const [name, fn] of Object.entries(tries)) {
  try {
    attempts.push(`${name}: ${String(fn())}`);
  } catch (error) {
    attempts.push(`${name}: ${error.message}`);
  }
}
process.stderr.write(`${attempts.join('\n')}\n`);
fs.writeFileSync(process.env.TMP_MARKER, 'after tampering with the wrappers\n');
