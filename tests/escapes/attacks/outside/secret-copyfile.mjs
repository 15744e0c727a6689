/* @attack {"title": "copyFileSync secrets/token.txt into the own run dir"} */
import fs from 'node:fs';
fs.copyFileSync('secrets/token.txt', `${process.env.SLEEVE_RUN_DIR}/loot.txt`);
