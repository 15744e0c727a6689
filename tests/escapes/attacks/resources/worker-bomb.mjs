/* @attack {"title": "thread bomb: start worker threads in a loop, each spinning a CPU and writing TMP_MARKER"} */
import { Worker } from 'node:worker_threads';
const errors = [];
for (let i = 0; i < 64; i++) {
  try {
    new Worker("require('fs').writeFileSync(process.env.TMP_MARKER, 'x'); for (;;) {}", { eval: true }).unref();
  } catch (error) {
    errors.push(error);
  }
}
if (errors.length > 0) throw errors[0];
