/* @attack {"title": "fs.openAsBlob the secret and write its text into the run dir"} */
import fs from 'node:fs';
const blob = await fs.openAsBlob('secrets/token.txt');
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/loot.txt`, await blob.text());
