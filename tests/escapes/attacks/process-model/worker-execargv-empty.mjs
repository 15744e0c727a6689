/* @attack {"title": "worker_threads with execArgv: [] and env SHARE_ENV, writing TMP_MARKER"} */
import { SHARE_ENV, Worker } from 'node:worker_threads';
const w = new Worker("require('fs').writeFileSync(process.env.TMP_MARKER, 'from a worker')", { eval: true, execArgv: [], env: SHARE_ENV });
await new Promise((resolve, reject) => {
  w.on('error', reject);
  w.on('exit', resolve);
});
