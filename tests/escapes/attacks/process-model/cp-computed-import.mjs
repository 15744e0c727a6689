/* @attack {"title": "dynamic import of child_process with a computed specifier (invisible to the bundler): spawnSync touch TMP_MARKER"} */
const cp = await import(['node', 'child_process'].join(':'));
const r = cp.spawnSync('touch', [process.env.TMP_MARKER]);
if (r.error) throw r.error;
