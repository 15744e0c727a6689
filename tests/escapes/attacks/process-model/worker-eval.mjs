/* @attack {"title": "worker_threads: an eval worker writes TMP_MARKER (a fresh fs module, no guard installed in it)"} */
import { Worker } from 'node:worker_threads';
const w = new Worker("require('fs').writeFileSync(process.env.TMP_MARKER, 'from a worker')", { eval: true });
await new Promise((resolve, reject) => {
  w.on('error', reject);
  w.on('exit', resolve);
});
