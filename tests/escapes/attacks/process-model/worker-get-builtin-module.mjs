/* @attack {"title": "worker_threads reached through process.getBuiltinModule (never patched): eval worker writes TMP_MARKER"} */
const { Worker } = process.getBuiltinModule('worker_threads');
const w = new Worker("require('fs').writeFileSync(process.env.TMP_MARKER, 'from a worker')", { eval: true, execArgv: [] });
await new Promise((resolve, reject) => {
  w.on('error', reject);
  w.on('exit', resolve);
});
