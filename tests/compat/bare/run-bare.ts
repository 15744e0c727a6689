/**
 * Runs one compat sleeve bare, by plain Node outside the sandbox: the
 * differential baseline. argv: <entry> <runDir> <name> <workspace> [args...].
 * The process mirrors what the sandbox gives a sleeve (cwd = the workspace,
 * the entry run as the main module, its default export called with a
 * context whose `fs` is the same implementation over the real, unguarded
 * `node:fs`), so any difference in the outputs is the sandbox's doing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSleeveFs, type SleeveContext } from '../../../sandbox/context.js';

const [entry, runDir, name, workspace, ...args] = process.argv.slice(2);
if (!entry || !runDir || !name || !workspace) {
  console.error('usage: run-bare.js <entry> <runDir> <name> <workspace> [args...]');
  process.exit(2);
}
process.chdir(workspace);
const abs = path.resolve(workspace, entry);
process.argv = [process.argv[0] as string, abs, ...args];
const ctx: SleeveContext = Object.freeze({
  runId: path.basename(runDir),
  runDir,
  name,
  workspace,
  args: Object.freeze([...args]),
  env: Object.freeze({ ...process.env }) as Readonly<Record<string, string>>,
  fs: createSleeveFs(fs),
  log: (...a: unknown[]) => console.log(...a),
});
const mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
if (typeof mod.default === 'function') {
  try {
    await (mod.default as (c: SleeveContext) => unknown)(ctx);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
