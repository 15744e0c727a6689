/**
 * The V8 code cache of the sleeve bootstrap (dist/sandbox/bootstrap.bundle.cjs).
 * Every sleeve process compiles the same 640 KB bundle before it can set its
 * sandbox up; from a code cache V8 skips that parse (about 15 ms of CPU per
 * sleeve on this machine, which on two cores is what bounds a batch).
 *
 * The runner makes the cache, once per bundle and Node version, by compiling
 * exactly the source the sleeve's loader compiles (bootstrap-run.cjs's
 * `wrap`), and passes its path to each sleeve as the loader's argument. A
 * cache is code the sleeve runs before its guard exists, so it lives only
 * where nobody but the runner's user can write: the private directory of the
 * runner's compile cache (compile-cache.ts: 0700, this uid, no symlink), as
 * `<sha256 of Node version, arch and bundle>.v8cache`, written whole (a
 * temporary file renamed into place). The sleeve only reads it, through a read
 * grant and, inside the OS layer, a read-only bind of that one file. V8
 * checks a cache against its version, flags and the source's length and
 * compiles from source when it does not fit; the name's hash covers the
 * content. No cache under V8 coverage or NODE_DISABLE_COMPILE_CACHE (as for
 * the runner's own), or when the directory is not private: then each sleeve
 * compiles the bundle itself, as before.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { compileCacheDir, privateDir } from '../compile-cache.js';

/** The cache file for `bundle`, made if missing; undefined when there is none to use. */
export function bootstrapCache(bundle: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = compileCacheDir(env);
  const dir = base === undefined ? undefined : privateDir(path.join(path.dirname(base), 'bootstrap-cache'));
  if (dir === undefined) return undefined;
  try {
    const source = fs.readFileSync(bundle, 'utf8');
    const key = createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(source).digest('hex').slice(0, 32);
    const file = path.join(dir, `${key}.v8cache`);
    const uid = process.getuid?.();
    try {
      const st = fs.lstatSync(file);
      return st.isFile() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0 ? file : undefined;
    } catch {
      // not made yet
    }
    const { wrap } = createRequire(bundle)('./bootstrap-run.cjs') as { wrap: (s: string) => string };
    const data = new vm.Script(wrap(source), { filename: bundle }).createCachedData();
    const tmp = `${file}.${process.pid}.tmp`;
    // 0644: inside the OS layer the sleeve's own uid reads it through its bind (the directory stays 0700).
    fs.writeFileSync(tmp, data, { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
    return file;
  } catch {
    return undefined;
  }
}
