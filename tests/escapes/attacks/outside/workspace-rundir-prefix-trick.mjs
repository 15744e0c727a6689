/* @attack {"title": "write runs/attacker-evil/x: a path that starts with the run dir's string but is not inside it"} */
import fs from 'node:fs';
fs.mkdirSync(`${process.env.SLEEVE_RUN_DIR}-evil`, { recursive: true });
