/* @attack {"title": "child_process.exec 'touch $TMP_MARKER' through the shell"} */
import { exec } from 'node:child_process';
await new Promise((resolve, reject) => exec('touch "$TMP_MARKER"', (err) => (err ? reject(err) : resolve())));
