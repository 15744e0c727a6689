/* @attack {"title": "child_process.spawn sh -c 'touch $TMP_MARKER'"} */
import { spawn } from 'node:child_process';
const child = spawn('sh', ['-c', 'touch "$TMP_MARKER"'], { stdio: 'inherit' });
await new Promise((resolve, reject) => {
  child.on('error', reject);
  child.on('exit', resolve);
});
