/* @attack {"title": "new tls.TLSSocket over a plain net.Socket, connected by hand to PROBE_PORT"} */
import net from 'node:net';
import tls from 'node:tls';
const raw = new net.Socket();
const s = new tls.TLSSocket(raw, { rejectUnauthorized: false });
raw.connect(Number(process.env.PROBE_PORT), '127.0.0.1');
await new Promise((resolve, reject) => {
  raw.on('connect', resolve);
  raw.on('error', reject);
  s.on('error', reject);
});
