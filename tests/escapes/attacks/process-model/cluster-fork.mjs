/* @attack {"title": "cluster.fork a worker process of the sleeve itself with execArgv []; the worker writes TMP_MARKER"} */
import cluster from 'node:cluster';
import fs from 'node:fs';
if (cluster.isPrimary) {
  try {
    cluster.setupPrimary({ exec: process.argv[1], execArgv: [] });
  } catch {
    // refused: fork with the defaults instead
  }
  const worker = cluster.fork();
  await new Promise((resolve) => worker.on('exit', resolve));
} else {
  fs.writeFileSync(process.env.TMP_MARKER, 'from a cluster worker\n');
  process.exit(0);
}
