/* @attack {"title": "glue a forged fragment (no newline) onto the guard's next real line, so the real denial parses as garbage and vanishes", "rule": "report-channel", "status": "failed"} */
import fs from 'node:fs';
import { send } from './_raw.mjs';
await send('{"t":"writes","paths":["/x"],"pad":"');
try {
  fs.writeFileSync(`${process.env.OUTSIDE}/x`, 'my denial is glued to a fragment\n');
} catch {}
