#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (built by `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/runner/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('sleeve-sandbox: dist/ is missing; run `npm ci` (or `npm run build`) in the package directory first\n');
  process.exit(2);
}
// Node >= 22.1: the runner's modules from V8's compile cache, in a directory only this user can write.
const { enableRunnerCompileCache } = await import(new URL('../dist/runner/compile-cache.js', import.meta.url).href);
enableRunnerCompileCache();
await import(entry.href);
