/* @attack {"title": "tls.connect to PROBE_PORT (the TCP handshake alone reaches the listener)"} */
import tls from 'node:tls';
const s = tls.connect({ host: '127.0.0.1', port: Number(process.env.PROBE_PORT), rejectUnauthorized: false });
await new Promise((resolve, reject) => {
  s.on('secureConnect', resolve);
  s.on('error', reject);
});
