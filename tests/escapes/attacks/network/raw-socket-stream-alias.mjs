/* @attack {"title": "net.Stream (the old alias of net.Socket), connect via Function.prototype.call of the prototype method"} */
import net from 'node:net';
const s = new net.Stream();
net.Stream.prototype.connect.call(s, { port: Number(process.env.PROBE_PORT), host: '127.0.0.1' });
await new Promise((resolve, reject) => {
  s.on('connect', resolve);
  s.on('error', reject);
});
s.destroy();
