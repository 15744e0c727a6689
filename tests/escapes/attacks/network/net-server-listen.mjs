/* @attack {"title": "open an inbound listener (net.createServer().listen) for a remote controller"} */
import net from 'node:net';
const server = net.createServer((c) => c.end('shell> '));
await new Promise((resolve, reject) => {
  server.on('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
server.close();
