/* @attack {"title": "CommonJS sleeve: require('node:child_process').spawnSync touch TMP_MARKER"} */
const cp = require('node:child_process');
const r = cp.spawnSync('touch', [process.env.TMP_MARKER]);
if (r.error) throw r.error;
