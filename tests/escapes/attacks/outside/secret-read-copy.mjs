/* @attack {"title": "read secrets/token.txt and copy its content into the own run dir"} */
import fs from 'node:fs';
const token = fs.readFileSync('secrets/token.txt', 'utf8');
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/loot.txt`, token);
