/* @attack {"title": "read the secret through SLEEVE_RUN_DIR/../../secrets/token.txt and store it"} */
import fs from 'node:fs/promises';
const token = await fs.readFile(`${process.env.SLEEVE_RUN_DIR}/../../secrets/token.txt`, 'utf8');
await fs.writeFile(`${process.env.SLEEVE_RUN_DIR}/loot.txt`, token);
