/* @attack {"title": "write ../x (next to the workspace) and then into OUTSIDE through ../ from the run dir"} */
import fs from 'node:fs';
import path from 'node:path';
try {
  fs.writeFileSync('../x', 'escaped through ../x\n');
} finally {
  fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/../../../${path.basename(process.env.OUTSIDE)}/x`, 'escaped through the run dir\n');
}
