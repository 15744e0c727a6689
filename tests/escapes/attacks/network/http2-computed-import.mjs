/* @attack {"title": "http2 through a computed dynamic import (never patched itself): http2.connect to PROBE_PORT"} */
const http2 = await import(['node', 'http2'].join(':'));
const session = http2.connect(`http://127.0.0.1:${process.env.PROBE_PORT}`);
await new Promise((resolve, reject) => {
  session.on('connect', resolve);
  session.on('error', reject);
});
session.close();
