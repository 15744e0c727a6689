/* @attack {"title": "dns.lookup (a name service query leaves the sandbox)"} */
import dns from 'node:dns';
await new Promise((resolve, reject) => dns.lookup('127.0.0.1', (err, addr) => (err ? reject(err) : resolve(addr))));
