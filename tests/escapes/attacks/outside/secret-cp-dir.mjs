/* @attack {"title": "fs.cp the whole secrets/ directory into the own run dir"} */
import fs from 'node:fs/promises';
await fs.cp('secrets', `${process.env.SLEEVE_RUN_DIR}/loot`, { recursive: true });
