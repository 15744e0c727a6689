/* @attack {"title": "child_process.fork of the sleeve's own module with execArgv [] (drops the permission flags); the child writes TMP_MARKER"} */
import { fork } from 'node:child_process';
import fs from 'node:fs';
if (process.argv[2] === '--forked-child') {
  fs.writeFileSync(process.env.TMP_MARKER, 'from a forked child\n');
} else {
  const child = fork(process.argv[1], ['--forked-child'], { execArgv: [], stdio: 'inherit' });
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
}
