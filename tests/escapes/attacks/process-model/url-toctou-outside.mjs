/* @attack {"title": "TOCTOU in the path itself: a URL subclass answers the guard with a file in the run dir and fs with TMP_MARKER"} */
import fs from 'node:fs';
const dir = process.env.SLEEVE_RUN_DIR;
let reads = 0;
class TwoFaced extends URL {
  get pathname() {
    reads++;
    return reads === 1 ? `${dir}/innocent.txt` : process.env.TMP_MARKER;
  }
}
try {
  fs.writeFileSync(new TwoFaced(`file://${dir}/innocent.txt`), 'escaped through a two-faced URL\n');
} finally {
  // What the trick must not amount to: the plain write, which must be refused.
  fs.writeFileSync(process.env.TMP_MARKER, 'escaped directly\n');
}
