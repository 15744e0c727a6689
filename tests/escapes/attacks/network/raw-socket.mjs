/* @attack {"title": "a raw new net.Socket().connect(PROBE_PORT)"} */
import net from 'node:net';
const s = new net.Socket();
s.connect(Number(process.env.PROBE_PORT), '127.0.0.1');
await new Promise((resolve, reject) => {
  s.on('connect', resolve);
  s.on('error', reject);
});
s.destroy();
