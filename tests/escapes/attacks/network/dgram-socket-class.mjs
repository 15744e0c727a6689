/* @attack {"title": "dgram: construct dgram.Socket directly (not createSocket), then send to PROBE_PORT"} */
import dgram from 'node:dgram';
const s = new dgram.Socket('udp4');
await new Promise((resolve, reject) => s.send(Buffer.from('exfil'), Number(process.env.PROBE_PORT), '127.0.0.1', (err) => (err ? reject(err) : resolve())));
s.close();
