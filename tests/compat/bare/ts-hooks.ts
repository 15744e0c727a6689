/**
 * Module hooks for the bare runs (registered by register.ts): Node 20 cannot
 * load `.ts` files, so a `.ts` module is transpiled with esbuild (type
 * stripping only, no bundling), leaving every import for Node itself to
 * resolve from the workspace's node_modules, exactly as plain Node would.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

interface LoadResult {
  format: string;
  source?: string | Buffer;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { code } = transformSync(fs.readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
  return { format: 'module', source: code, shortCircuit: true };
}
