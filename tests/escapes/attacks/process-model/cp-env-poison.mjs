/* @attack {"title": "poison process.env (NODE_OPTIONS, PATH) for any process started later, then spawn"} */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
fs.writeFileSync(`${dir}/evil.cjs`, "require('fs').writeFileSync(process.env.TMP_MARKER, 'via NODE_OPTIONS')\n");
fs.writeFileSync(`${dir}/node`, '#!/bin/sh\ntouch "$TMP_MARKER"\n', { mode: 0o755 });
process.env.NODE_OPTIONS = `--require ${dir}/evil.cjs`;
process.env.PATH = `${dir}:${process.env.PATH ?? ''}`;
const r = spawnSync('node', ['-e', '0'], { stdio: 'inherit' });
if (r.error) throw r.error;
