/* @attack {"title": "diagnostics_channel: subscribe to the net and http channels to grab a socket the runtime creates, then connect it to PROBE_PORT"} */
import dc from 'node:diagnostics_channel';
import http from 'node:http';
const port = Number(process.env.PROBE_PORT);
const grab = (message) => {
  const socket = message?.socket ?? message?.request?.socket;
  if (socket && typeof socket.connect === 'function' && !socket.connecting) {
    try {
      socket.connect(port, '127.0.0.1');
    } catch {
      // keep going: the request below is the real attempt
    }
  }
};
for (const name of ['net.client.socket', 'http.client.request.start', 'undici:client:beforeConnect', 'undici:request:create']) dc.subscribe(name, grab);
await new Promise((resolve, reject) => {
  const req = http.get({ host: '127.0.0.1', port, path: '/' }, resolve);
  req.on('error', reject);
});
