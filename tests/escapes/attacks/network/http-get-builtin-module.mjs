/* @attack {"title": "http reached through process.getBuiltinModule (never patched itself): http.get PROBE_PORT"} */
const http = process.getBuiltinModule('http');
await new Promise((resolve, reject) => {
  const req = http.get({ host: '127.0.0.1', port: Number(process.env.PROBE_PORT), path: '/' }, resolve);
  req.on('error', reject);
});
