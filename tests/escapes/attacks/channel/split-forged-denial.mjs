/* @attack {"title": "split: start a forged message, let the guard's real denial land inside it, then close it with the second half", "rule": "report-channel", "status": "failed"} */
import fs from 'node:fs';
import { send } from './_raw.mjs';
await send('{"t":"deny","op":"read","syscall":"open","path":"/harmless","rule":"fs.read","reason":"');
try {
  fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'denied in the middle\n');
} catch {}
await send(`","at":${Date.now()}}\n`);
