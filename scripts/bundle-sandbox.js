// Bundles the sleeve-side bootstrap (sandbox/ + the policy engine + picomatch)
// into one ES module, so a sleeve process loads one file at start-up instead
// of a module graph. The unbundled dist/sandbox/bootstrap.js stays for tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await esbuild.build({
  entryPoints: [path.join(root, 'dist', 'sandbox', 'bootstrap.js')],
  outfile: path.join(root, 'dist', 'sandbox', 'bootstrap.bundle.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __sandboxCreateRequire } from 'node:module'; const require = __sandboxCreateRequire(import.meta.url);" },
});
