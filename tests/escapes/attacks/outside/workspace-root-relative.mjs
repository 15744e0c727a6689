/* @attack {"title": "write a new file at the workspace root by a relative path (cwd is the root)"} */
import fs from 'node:fs';
fs.writeFileSync('pwned.txt', 'written at the workspace root\n');
