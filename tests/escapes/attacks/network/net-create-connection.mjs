/* @attack {"title": "net.createConnection with an options object (port, host, family 4) to PROBE_PORT"} */
import net from 'node:net';
const s = net.createConnection({ port: Number(process.env.PROBE_PORT), host: '127.0.0.1', family: 4 });
await new Promise((resolve, reject) => {
  s.on('connect', resolve);
  s.on('error', reject);
});
s.destroy();
