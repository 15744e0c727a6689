/* @attack {"title": "dns.promises.Resolver pointed at 127.0.0.1:PROBE_PORT as its server, resolve4 (a query to the listener's port)"} */
import dns from 'node:dns';
const r = new dns.promises.Resolver({ timeout: 200, tries: 1 });
r.setServers([`127.0.0.1:${process.env.PROBE_PORT}`]);
await r.resolve4('exfil.example');
