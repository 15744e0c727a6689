/* @attack {"title": "well-typed fields with values the runner would misuse: a denial dated in the year 2200 and an exit report with a resident set of 2^60 KiB", "rule": "report-channel", "status": "failed"} */
import fs from 'node:fs';
import { send } from './_raw.mjs';
await send(`${JSON.stringify({ t: 'deny', op: 'read', syscall: 'open', path: '/x', rule: 'r', reason: 'r', at: 7_258_118_400_000 })}\n`);
await send(`${JSON.stringify({ t: 'exit', outcome: 'returned', maxRssKiB: 2 ** 60, cpuUserMs: 0, cpuSystemMs: 0 })}\n`);
try {
  fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'x');
} catch {}
