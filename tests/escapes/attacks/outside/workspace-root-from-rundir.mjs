/* @attack {"title": "write the workspace root by climbing out of the run dir: SLEEVE_RUN_DIR/../../pwned.txt"} */
import fs from 'node:fs';
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/../../pwned.txt`, 'climbed out of the run dir\n');
