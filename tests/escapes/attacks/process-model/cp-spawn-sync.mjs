/* @attack {"title": "child_process.spawnSync sh -c 'touch $TMP_MARKER'"} */
import { spawnSync } from 'node:child_process';
const r = spawnSync('sh', ['-c', 'touch "$TMP_MARKER"'], { stdio: 'inherit' });
if (r.error) throw r.error;
