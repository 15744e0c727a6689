/* @attack {"title": "read the secret and print it: stdout is logged into the own run dir (runs/attacker/logs)"} */
import fs from 'node:fs';
console.log(fs.readFileSync('secrets/token.txt', 'utf8'));
