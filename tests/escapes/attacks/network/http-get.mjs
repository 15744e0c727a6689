/* @attack {"title": "http.get http://127.0.0.1:PROBE_PORT/"} */
import http from 'node:http';
await new Promise((resolve, reject) => {
  const req = http.get(`http://127.0.0.1:${process.env.PROBE_PORT}/exfil`, resolve);
  req.on('error', reject);
});
