/* @attack {"title": "send a valid forged exit report early (the runner stops listening?), then do a denied write: anything after an exit report is a fault", "rule": "report-channel", "status": "failed"} */
import fs from 'node:fs';
import { send } from './_raw.mjs';
await send(`${JSON.stringify({ t: 'exit', outcome: 'returned', maxRssKiB: 1, cpuUserMs: 0, cpuSystemMs: 0 })}\n`);
try {
  fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'x');
} catch {}
