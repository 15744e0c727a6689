/* @attack {"title": "child_process.execFile node -e writing TMP_MARKER (no permission flags in the child)"} */
import { execFile } from 'node:child_process';
const code = "require('fs').writeFileSync(process.env.TMP_MARKER, 'from an execFile child')";
await new Promise((resolve, reject) => execFile(process.execPath, ['-e', code], (err) => (err ? reject(err) : resolve())));
