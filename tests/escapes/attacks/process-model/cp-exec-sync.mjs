/* @attack {"title": "child_process.execSync 'touch $TMP_MARKER' through the shell"} */
import { execSync } from 'node:child_process';
execSync('touch "$TMP_MARKER"', { stdio: 'inherit' });
