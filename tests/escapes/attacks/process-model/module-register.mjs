/* @attack {"title": "module.register ESM loader hooks from a data: URL: the hooks thread has its own unguarded builtins; it connects to PROBE_PORT and writes TMP_MARKER"} */
import { register } from 'node:module';
const hooks = `
import fs from 'node:fs';
import net from 'node:net';
try { fs.writeFileSync(process.env.TMP_MARKER, 'from the loader thread'); } catch {}
net.connect(Number(process.env.PROBE_PORT), '127.0.0.1').on('error', () => {});
export async function resolve(s, c, next) { return next(s, c); }
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
await import('node:os');
await new Promise((r) => setTimeout(r, 500));
