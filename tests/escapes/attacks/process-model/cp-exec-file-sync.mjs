/* @attack {"title": "child_process.execFileSync /bin/sh -c 'touch $TMP_MARKER'"} */
import { execFileSync } from 'node:child_process';
execFileSync('/bin/sh', ['-c', 'touch "$TMP_MARKER"'], { stdio: 'inherit' });
