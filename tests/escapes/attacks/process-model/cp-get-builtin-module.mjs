/* @attack {"title": "process.getBuiltinModule('child_process') (never imported, so never patched): execFileSync touch TMP_MARKER"} */
const cp = process.getBuiltinModule('node:child_process');
cp.execFileSync('touch', [process.env.TMP_MARKER]);
