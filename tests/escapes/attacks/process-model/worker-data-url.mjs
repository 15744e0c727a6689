/* @attack {"title": "worker_threads from a data: URL ES module that imports fs and writes TMP_MARKER"} */
import { Worker } from 'node:worker_threads';
const src = "import fs from 'node:fs'; fs.writeFileSync(process.env.TMP_MARKER, 'from a data: worker');";
const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`));
await new Promise((resolve, reject) => {
  w.on('error', reject);
  w.on('exit', resolve);
});
