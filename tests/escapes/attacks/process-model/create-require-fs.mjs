/* @attack {"title": "module.createRequire, then require('fs') (a CommonJS path to the module) and write OUTSIDE/x"} */
import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
req('fs').writeFileSync(`${process.env.OUTSIDE}/x`, 'through createRequire\n');
