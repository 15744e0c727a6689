#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (built by `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/runner/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('sleeve-sandbox: dist/ is missing; run `npm ci` (or `npm run build`) in the package directory first\n');
  process.exit(2);
}
await import(entry.href);
