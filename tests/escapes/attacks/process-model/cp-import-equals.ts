/* @attack {"title": "TypeScript sleeve: import cp = require('node:child_process') (the require form), execFileSync touch TMP_MARKER"} */
import cp = require('node:child_process');
cp.execFileSync('touch', [process.env.TMP_MARKER as string]);
