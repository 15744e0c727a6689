/* @attack {"title": "a forged ready message that claims the OS layer (and a second ready at all)", "rule": "report-channel", "status": "failed"} */
import { send } from './_raw.mjs';
await send(`${JSON.stringify({ t: 'ready', layers: ['os', 'fs-guard', 'node-permission'] })}\n`);
