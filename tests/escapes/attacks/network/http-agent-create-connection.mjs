/* @attack {"title": "http.request through a custom Agent whose createConnection builds the socket itself"} */
import http from 'node:http';
import net from 'node:net';
const agent = new http.Agent();
agent.createConnection = (opts) => {
  const s = new net.Socket();
  return s.connect(opts.port, opts.host);
};
await new Promise((resolve, reject) => {
  const req = http.request({ host: '127.0.0.1', port: Number(process.env.PROBE_PORT), agent }, resolve);
  req.on('error', reject);
  req.end();
});
