/**
 * The runner's own start on Node >= 22.1: V8's compile cache
 * (`module.enableCompileCache`) for the runner's modules, so a `run` does not
 * compile its module graph from source every time (about 65 ms of a trivial
 * batch on Node 24, bench figures in the README).
 *
 * The cache holds code the runner will execute, so it lives only in a
 * directory of the runner's own user that nobody else can write:
 * `$XDG_CACHE_HOME/sleeve-sandbox/compile-cache` (else `~/.cache/...`), made
 * 0700, and used only when it is a real directory (not a symlink) owned by
 * this uid with no group or other write bit. Anything else: no cache, never
 * an error. Never for sleeves (their processes are started with an
 * environment that holds no NODE_* variable, and the cache is not passed on
 * to children), never under V8 coverage (NODE_V8_COVERAGE: the tests' c8),
 * never when NODE_DISABLE_COMPILE_CACHE is set.
 */
import fs from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The cache directory for this environment, or undefined when the cache must not be used. */
export function compileCacheDir(env: NodeJS.ProcessEnv, home: string = os.homedir()): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_V8_COVERAGE) return undefined;
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : home ? path.join(home, '.cache') : undefined;
  return base === undefined ? undefined : path.join(base, 'sleeve-sandbox', 'compile-cache');
}

/** Makes `dir` (0700) and returns it when it is a real directory of this uid that nobody else can write. */
export function privateDir(dir: string, uid: number | undefined = process.getuid?.()): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || st.isSymbolicLink()) return undefined;
    if (uid !== undefined && st.uid !== uid) return undefined;
    if ((st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** Turns the cache on where Node has it and the directory is private; returns the directory used. */
export function enableRunnerCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const enable = (module as { enableCompileCache?: (dir?: string) => { status: number; directory?: string } }).enableCompileCache;
  if (typeof enable !== 'function') return undefined;
  const wanted = compileCacheDir(env);
  const dir = wanted === undefined ? undefined : privateDir(wanted);
  if (dir === undefined) return undefined;
  try {
    const r = enable(dir);
    return r.directory;
  } catch {
    return undefined;
  }
}
