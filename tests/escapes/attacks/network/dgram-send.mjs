/* @attack {"title": "dgram: createSocket('udp4').send to 127.0.0.1:PROBE_PORT"} */
import dgram from 'node:dgram';
const s = dgram.createSocket('udp4');
await new Promise((resolve, reject) => s.send('exfil', Number(process.env.PROBE_PORT), '127.0.0.1', (err) => (err ? reject(err) : resolve())));
s.close();
