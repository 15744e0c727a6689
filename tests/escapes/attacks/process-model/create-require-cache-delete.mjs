/* @attack {"title": "delete require.cache entries and Module._cache, hoping for a fresh unwrapped fs on the next require"} */
import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
const Module = req('module');
for (const k of Object.keys(req.cache)) delete req.cache[k];
for (const k of Object.keys(Module._cache ?? {})) delete Module._cache[k];
const fresh = req('node:fs');
fresh.writeFileSync(`${process.env.OUTSIDE}/x`, 'through a fresh require\n');
