/* @attack {"title": "a 64 KiB line on the channel (a valid message padded past the bound), then a denied write", "rule": "report-channel", "status": "failed"} */
import fs from 'node:fs';
import { send } from './_raw.mjs';
await send(`${JSON.stringify({ t: 'writes', paths: [`/${'a'.repeat(65536)}`] })}\n`);
try {
  fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'x');
} catch {}
