/* @attack {"title": "create a sibling run dir runs/attacker2 next to the own one"} */
import fs from 'node:fs';
fs.mkdirSync(`${process.env.SLEEVE_RUN_DIR}2`);
fs.writeFileSync(`${process.env.SLEEVE_RUN_DIR}2/own.txt`, 'a run dir nobody made\n');
