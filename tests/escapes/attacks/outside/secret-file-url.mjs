/* @attack {"title": "read the secret through an absolute file: URL and store it"} */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const token = fs.readFileSync(pathToFileURL(path.resolve('secrets/token.txt')));
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}/loot.txt`, token);
