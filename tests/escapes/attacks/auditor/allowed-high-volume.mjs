/* @attack {"title": "only allowed things at high volume in the own run dir: 100,000 files (half at its top, where every one is a watcher event), 500 renames, directories made with mkdir -p, 5 chains nested 200 deep, 1,000 files made and removed (the auditor must stay linear, the audit clean)", "expect": "allowed", "maxSeconds": 180} */
import fs from 'node:fs';
const run = process.env.SLEEVE_RUN_DIR;
// 50,000 files at the top of the run dir: the watcher sees each (the run dir itself is watched).
for (let f = 0; f < 50_000; f++) fs.writeFileSync(`${run}/top${f}.tmp`, `${f}\n`);
// 50,000 files in 50 directories, each made with mkdir -p (bulk/ and bulk/dN are explained only by the writes below them).
for (let d = 0; d < 50; d++) {
  const dir = `${run}/bulk/d${d}/inner`;
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 0; f < 1000; f++) fs.writeFileSync(`${dir}/${f}.csv`, `${d},${f}\n`);
}
// 500 renames at the top (after each one the guard resolves afresh: a rename is its most expensive call).
for (let f = 0; f < 500; f++) fs.renameSync(`${run}/top${f}.tmp`, `${run}/top${f}.csv`);
// Deep nesting: 5 chains of 200 levels, a file at the bottom of each, one mkdir -p each.
for (let c = 0; c < 5; c++) {
  const deep = `${run}/deep${c}/${Array.from({ length: 200 }, (_, i) => `l${i}`).join('/')}`;
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(`${deep}/bottom.txt`, 'bottom\n');
}
// Churn: made and removed again.
fs.mkdirSync(`${run}/churn`);
for (let i = 0; i < 1000; i++) {
  fs.writeFileSync(`${run}/churn/${i}`, '');
  fs.unlinkSync(`${run}/churn/${i}`);
}
