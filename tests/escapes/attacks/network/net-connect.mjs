/* @attack {"title": "net.connect to the loopback listener on PROBE_PORT"} */
import net from 'node:net';
const s = net.connect(Number(process.env.PROBE_PORT), '127.0.0.1');
await new Promise((resolve, reject) => {
  s.on('connect', resolve);
  s.on('error', reject);
});
s.end('exfiltrated\n');
