/**
 * The cases of the guard's fidelity test (fidelity.test.ts): each is a small
 * snippet, the body of an async function, that exercises one fs function in
 * one form on a fresh copy of the case layout, and returns what it got. The
 * test runs every snippet once bare and once guarded and compares.
 *
 * In a snippet: `fs`, `fsp` (node:fs/promises), `path`, `D` (the case's own
 * directory, absolute), `R` (the same, relative to the cwd), `cb(k => ...)`
 * (a callback call: resolves with the callback's arguments, error first),
 * `readAll(stream)` and `writeAll(stream, chunks)` (the events of a stream),
 * `times(p, lstat?)` (a file's mtime in ms). `covers`: the functions the
 * case exercises, by the names the coverage check uses (`fs.statSync`,
 * `fs.promises.stat`, `fs.realpathSync.native`, `FileHandle.write`,
 * `process.loadEnvFile`); the test checks that each is really called.
 *
 * The layout of every case directory (LAYOUT): f.txt, d/a.txt, d/sub/, e/,
 * l -> f.txt, ld -> d, e.env.
 */
import fs from 'node:fs';

export interface FidelityCase {
  name: string;
  covers: readonly string[];
  run: string;
  /** A divergence kept on purpose (or not yet fixed), and why: the test checks it still diverges. */
  known?: string;
}

export const LAYOUT_FILES: Readonly<Record<string, string>> = { 'f.txt': 'hello\n', 'd/a.txt': 'a', 'e.env': 'FIDELITY_X=1\n' };
export const LAYOUT_DIRS: readonly string[] = ['d/sub', 'e'];
export const LAYOUT_LINKS: Readonly<Record<string, string>> = { l: 'f.txt', ld: 'd' };

const c = (name: string, covers: string | readonly string[], run: string, known?: string): FidelityCase => ({
  name,
  covers: typeof covers === 'string' ? [covers] : covers,
  run,
  ...(known === undefined ? {} : { known }),
});

/** Why a path through a file (f.txt/x) is refused rather than failing with ENOTDIR. */
const UNRESOLVABLE =
  'fail closed: the engine resolves every path before the call, and a path it cannot resolve (a file used as a directory) is refused with EACCES where Node says ENOTDIR';
const known =
  (why: string) =>
  (k: FidelityCase): FidelityCase => ({ ...k, known: why });
/** The guard's cp is its own walk (cp-plan.ts): its ERR_FS_CP_* errors have Node's codes, not Node's SystemError shape and text. */
const CP_ERRORS = "cp is the guard's own walk (cp-plan.ts): the same ERR_FS_CP_* code, but not Node's SystemError class, errno, info and text";

/** The three forms of one table function: sync, callback, promise, each on the same snippet shape. */
function forms(fn: string, args: string, after?: string): FidelityCase[] {
  const ret = after === undefined ? 'return r;' : `return [r, ${after}];`;
  return [
    c(`${fn}Sync(${args})`, `fs.${fn}Sync`, `const r = fs.${fn}Sync(${args}); ${ret}`),
    c(`${fn}(${args}, callback)`, `fs.${fn}`, `const r = await cb((k) => fs.${fn}(${args}, k)); ${ret}`),
    c(`promises.${fn}(${args})`, `fs.promises.${fn}`, `const r = await fsp.${fn}(${args}); ${ret}`),
  ];
}
const byName = (v: string) => `${v}.sort((a, b) => String(a.name ?? a) < String(b.name ?? b) ? -1 : 1)`;

export const CASES: readonly FidelityCase[] = [
  // --- access ---
  ...forms('access', 'D + "/f.txt"'),
  ...forms('access', 'D + "/f.txt", fs.constants.R_OK | fs.constants.W_OK'),
  ...forms('access', 'D + "/missing"'),
  ...forms('access', 'R + "/missing"'),
  ...forms('access', 'D + "/f.txt/x"').map(known(UNRESOLVABLE)),
  // --- readdir ---
  c('readdirSync', 'fs.readdirSync', `return fs.readdirSync(D).sort();`),
  c('readdir callback', 'fs.readdir', `const [e, r] = await cb((k) => fs.readdir(D, k)); return [e, r && r.sort()];`),
  c('promises.readdir', 'fs.promises.readdir', `return (await fsp.readdir(D)).sort();`),
  c('readdirSync withFileTypes', 'fs.readdirSync', `return ${byName('fs.readdirSync(D, { withFileTypes: true })')};`),
  c(
    'readdir callback withFileTypes recursive',
    'fs.readdir',
    `const [e, r] = await cb((k) => fs.readdir(R, { withFileTypes: true, recursive: true }, k)); return [e, r && ${byName('r')}.map((x) => [x.name, x.parentPath, x.isFile()]).sort((a, b) => (a.join() < b.join() ? -1 : 1))];`,
  ),
  c('promises.readdir recursive', 'fs.promises.readdir', `return (await fsp.readdir(D, { recursive: true })).sort();`),
  c('readdirSync buffer encoding', 'fs.readdirSync', `return fs.readdirSync(D + "/d", "buffer").sort(Buffer.compare);`),
  c(
    'readdirSync of a Buffer path and a URL',
    'fs.readdirSync',
    `return [fs.readdirSync(Buffer.from(D + "/d")).sort(), fs.readdirSync(new URL("file://" + D + "/d")).sort()];`,
  ),
  c('readdirSync ENOTDIR', 'fs.readdirSync', `return fs.readdirSync(D + "/f.txt");`),
  c('readdir callback ENOENT', 'fs.readdir', `return cb((k) => fs.readdir(D + "/missing", k));`),
  c('promises.readdir ENOENT relative', 'fs.promises.readdir', `return fsp.readdir(R + "/missing");`),
  c('readdirSync of a number', 'fs.readdirSync', `return fs.readdirSync(42);`),
  c('readdirSync of undefined', 'fs.readdirSync', `return fs.readdirSync(undefined);`),
  c('readdir callback of null', 'fs.readdir', `return cb((k) => fs.readdir(null, k));`),
  c('promises.readdir of a boolean', 'fs.promises.readdir', `return fsp.readdir(true);`),
  // --- readlink, realpath ---
  ...forms('readlink', 'D + "/l"'),
  ...forms('readlink', 'D + "/f.txt"'),
  c('readlinkSync buffer encoding', 'fs.readlinkSync', `return fs.readlinkSync(D + "/l", { encoding: "buffer" });`),
  ...forms('realpath', 'R + "/ld/a.txt"'),
  ...forms('realpath', 'D + "/missing"'),
  ...forms('realpath', 'R + "/missing"'),
  c('realpath.native relative ENOENT', 'fs.realpath.native', `return cb((k) => fs.realpath.native(R + "/missing", k));`),
  c(
    'realpathSync of undefined',
    'fs.realpathSync',
    `return fs.realpathSync(undefined);`,
    'fail closed: Node\'s JS realpath takes any value as a path (undefined names "<cwd>/undefined"), so a value of no path type is decided there and refused',
  ),
  c(
    'realpathSync.native of undefined',
    'fs.realpathSync.native',
    `return fs.realpathSync.native(undefined);`,
    'realpath is decided on any value (see realpathSync of undefined), its native form too',
  ),
  c('realpathSync.native', 'fs.realpathSync.native', `return fs.realpathSync.native(D + "/l");`),
  c('realpathSync.native ENOENT', 'fs.realpathSync.native', `return fs.realpathSync.native(D + "/missing");`),
  c('realpath.native', 'fs.realpath.native', `return cb((k) => fs.realpath.native(D + "/ld", k));`),
  c('realpath.native ENOENT', 'fs.realpath.native', `return cb((k) => fs.realpath.native(D + "/missing", k));`),
  // --- stat, lstat, statfs ---
  ...forms('stat', 'D + "/f.txt"'),
  ...forms('stat', 'D + "/l"'),
  ...forms('stat', 'D + "/d", { bigint: true }'),
  ...forms('stat', 'D + "/missing"'),
  ...forms('stat', 'D + "/f.txt/x"').map(known(UNRESOLVABLE)),
  c('statSync throwIfNoEntry false', 'fs.statSync', `return fs.statSync(D + "/missing", { throwIfNoEntry: false });`),
  c(
    'statSync of an object',
    'fs.statSync',
    `return fs.statSync({});`,
    'fail closed: an object path is always decided (Node reads a URL-like object itself), so it is refused with EACCES where Node says ERR_INVALID_ARG_TYPE',
  ),
  c('statSync of a number', 'fs.statSync', `return fs.statSync(7);`),
  ...forms('lstat', 'D + "/l"'),
  ...forms('lstat', 'D + "/missing"'),
  c('lstatSync throwIfNoEntry false', 'fs.lstatSync', `return fs.lstatSync(D + "/missing", { throwIfNoEntry: false });`),
  ...forms('statfs', 'D'),
  ...forms('statfs', 'D + "/missing"'),
  // --- opendir ---
  c(
    'opendirSync, readSync, closeSync',
    'fs.opendirSync',
    `const dir = fs.opendirSync(D + "/d"); const out = [dir.path]; let e; while ((e = dir.readSync()) !== null) out.push([e.name, e.isDirectory()]); dir.closeSync(); return out.sort();`,
  ),
  c(
    'opendir callback, for await',
    'fs.opendir',
    `const [err, dir] = await cb((k) => fs.opendir(D, k)); const out = []; for await (const e of dir) out.push(e.name); return [err, dir.path, out.sort()];`,
  ),
  c(
    'promises.opendir, read, close',
    'fs.promises.opendir',
    `const dir = await fsp.opendir(R + "/d", { bufferSize: 1 }); const out = []; let e; while ((e = await dir.read()) !== null) out.push(e.name); await dir.close(); return [dir.path, out.sort()];`,
  ),
  c('opendirSync ENOTDIR', 'fs.opendirSync', `return fs.opendirSync(D + "/f.txt");`),
  c('opendir callback ENOENT', 'fs.opendir', `return cb((k) => fs.opendir(D + "/missing", k));`),
  c('promises.opendir ENOENT', 'fs.promises.opendir', `return fsp.opendir(D + "/missing");`),
  // --- watch, watchFile (no events awaited: only what the calls return or throw) ---
  c('watch and close', 'fs.watch', `const w = fs.watch(D, { persistent: false }); const t = w.constructor.name; w.close(); return t;`),
  c('watch ENOENT', 'fs.watch', `return fs.watch(D + "/missing");`),
  c(
    'promises.watch aborted',
    'fs.promises.watch',
    `const ac = new AbortController(); const it = fsp.watch(D, { signal: ac.signal }); ac.abort(); try { for await (const e of it) return e; } catch (e) { return e; } return "ended";`,
  ),
  c(
    'watchFile and unwatchFile',
    'fs.watchFile',
    `const w = fs.watchFile(D + "/f.txt", { interval: 60000, persistent: false }, () => {}); const t = w.constructor.name; fs.unwatchFile(D + "/f.txt"); return t;`,
  ),
  c('watchFile without a listener', 'fs.watchFile', `return fs.watchFile(D + "/f.txt");`),
  // --- openAsBlob ---
  c('openAsBlob', 'fs.openAsBlob', `const b = await fs.openAsBlob(D + "/f.txt", { type: "text/plain" }); return [b.size, b.type, await b.text()];`),
  c('openAsBlob ENOENT', 'fs.openAsBlob', `return fs.openAsBlob(D + "/missing");`),
  c('openAsBlob ENOENT relative', 'fs.openAsBlob', `return fs.openAsBlob(R + "/missing");`),
  c('watch ENOENT relative', 'fs.watch', `return fs.watch(R + "/missing");`),
  // --- readFile ---
  ...forms('readFile', 'D + "/f.txt"'),
  ...forms('readFile', 'R + "/f.txt", "utf8"'),
  ...forms('readFile', 'D + "/l", { encoding: "base64" }'),
  ...forms('readFile', 'D + "/d"'),
  ...forms('readFile', 'D + "/missing"'),
  ...forms('readFile', 'D + "/n.txt", { flag: "a+" }'),
  ...forms('readFile', 'D + "/f.txt", { flag: "wx" }'),
  c(
    'readFileSync of a descriptor',
    ['fs.readFileSync', 'fs.openSync', 'fs.closeSync'],
    `const fd = fs.openSync(D + "/f.txt", "r"); try { return fs.readFileSync(fd, "utf8"); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'readFile callback of a descriptor',
    ['fs.readFile', 'fs.close'],
    `const fd = fs.openSync(D + "/f.txt", "r"); const r = await cb((k) => fs.readFile(fd, k)); await cb((k) => fs.close(fd, k)); return r;`,
  ),
  c(
    'promises.readFile of a FileHandle',
    ['fs.promises.readFile', 'fs.promises.open'],
    `const h = await fsp.open(D + "/f.txt"); try { return await fsp.readFile(h, "latin1"); } finally { await h.close(); }`,
  ),
  c('readFileSync EBADF', 'fs.readFileSync', `return fs.readFileSync(987654);`),
  c('readFile callback EBADF', 'fs.readFile', `return cb((k) => fs.readFile(987654, k));`),
  c('readFileSync of a boolean', 'fs.readFileSync', `return fs.readFileSync(true);`),
  c('readFile callback of undefined', 'fs.readFile', `return cb((k) => fs.readFile(undefined, k));`),
  c('promises.readFile of null', 'fs.promises.readFile', `return fsp.readFile(null);`),
  c('readFileSync bad encoding', 'fs.readFileSync', `return fs.readFileSync(D + "/f.txt", "nope");`),
  // --- writeFile, appendFile ---
  ...forms('writeFile', 'D + "/n.txt", "new"'),
  ...forms('writeFile', 'R + "/f.txt", Buffer.from("over")'),
  ...forms('writeFile', 'D + "/n.txt", new Uint8Array([104, 105]), { mode: 0o640 }'),
  ...forms('writeFile', 'D + "/f.txt", "x", { flag: "wx" }'),
  ...forms('writeFile', 'D + "/d", "x"'),
  ...forms('writeFile', 'D + "/missing/n.txt", "x"'),
  ...forms('writeFile', 'D + "/f.txt/n.txt", "x"').map(known(UNRESOLVABLE)),
  ...forms('writeFile', 'D + "/n.txt", 5'),
  ...forms('writeFile', 'D + "/n.txt", { toString() { return "obj"; } }'),
  ...forms('writeFile', 'D + "/n.txt", "é", "latin1"'),
  c('promises.writeFile with an aborted signal', 'fs.promises.writeFile', `return fsp.writeFile(D + "/n.txt", "x", { signal: AbortSignal.abort() });`),
  c('readFile callback with an aborted signal', 'fs.readFile', `return cb((k) => fs.readFile(D + "/f.txt", { signal: AbortSignal.abort() }, k));`),
  c('writeFileSync with flush', 'fs.writeFileSync', `return fs.writeFileSync(D + "/n.txt", "x", { flush: true, mode: 0o600 });`),
  c('promises.writeFile of an array of strings', 'fs.promises.writeFile', `return fsp.writeFile(D + "/n.txt", ["a", "b", "c"]);`),
  c(
    'promises.writeFile of an async generator',
    'fs.promises.writeFile',
    `return fsp.writeFile(D + "/n.txt", (async function* () { yield "a"; yield "b"; })());`,
  ),
  c(
    'promises.writeFile of a Readable',
    'fs.promises.writeFile',
    `const { Readable } = await import("node:stream"); return fsp.writeFile(D + "/n.txt", Readable.from(["x", "y", "z"]));`,
  ),
  c(
    'writeFileSync of a descriptor',
    ['fs.writeFileSync', 'fs.openSync'],
    `const fd = fs.openSync(D + "/n.txt", "w"); try { return fs.writeFileSync(fd, "via fd"); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'writeFile callback of a descriptor',
    ['fs.writeFile', 'fs.open'],
    `const [, fd] = await cb((k) => fs.open(D + "/n.txt", "w", k)); const r = await cb((k) => fs.writeFile(fd, "via fd", k)); fs.closeSync(fd); return r;`,
  ),
  c(
    'promises.writeFile of a FileHandle',
    'fs.promises.writeFile',
    `const h = await fsp.open(D + "/n.txt", "w"); try { return await fsp.writeFile(h, "via handle"); } finally { await h.close(); }`,
  ),
  c('writeFileSync of a number path', 'fs.writeFileSync', `return fs.writeFileSync(undefined, "x");`),
  ...forms('appendFile', 'D + "/f.txt", "more"'),
  ...forms('appendFile', 'D + "/n.txt", Buffer.from("new")'),
  ...forms('appendFile', 'D + "/d", "x"'),
  ...forms('appendFile', 'D + "/f.txt", 12'),
  c(
    'appendFileSync of a descriptor',
    'fs.appendFileSync',
    `const fd = fs.openSync(D + "/f.txt", "a"); try { return fs.appendFileSync(fd, "tail"); } finally { fs.closeSync(fd); }`,
  ),
  c('promises.appendFile of an array', 'fs.promises.appendFile', `return fsp.appendFile(D + "/f.txt", ["a", "b"]);`),
  // --- truncate, chmod, chown, utimes, lutimes ---
  ...forms('truncate', 'D + "/f.txt", 2'),
  ...forms('truncate', 'D + "/f.txt"'),
  ...forms('truncate', 'D + "/missing", 1'),
  ...forms('truncate', 'D + "/d", 1'),
  ...forms('chmod', 'D + "/f.txt", 0o640', '(fs.statSync(D + "/f.txt").mode & 0o7777).toString(8)'),
  ...forms('chmod', 'D + "/f.txt", "600"'),
  ...forms('chmod', 'D + "/missing", 0o600'),
  ...forms('chmod', 'D + "/f.txt", "rwx"'),
  c('promises.lchmod (not on Linux)', 'fs.promises.lchmod', `return fsp.lchmod(D + "/l", 0o600);`),
  ...forms('chown', 'D + "/f.txt", process.getuid(), process.getgid()'),
  ...forms('chown', 'D + "/missing", 0, 0'),
  ...forms('chown', 'D + "/f.txt", "0", 0'),
  ...forms('lchown', 'D + "/l", process.getuid(), process.getgid()'),
  ...forms('lchown', 'D + "/missing", 0, 0'),
  ...forms('utimes', 'D + "/f.txt", 1000, 2000', 'times(D + "/f.txt")'),
  ...forms('utimes', 'D + "/d", new Date(5000), "7"', 'times(D + "/d")'),
  ...forms('utimes', 'D + "/missing", 1, 1'),
  ...forms('utimes', 'D + "/f.txt", {}, 1'),
  ...forms('lutimes', 'D + "/l", 3000, 4000', 'times(D + "/l", true)'),
  ...forms('lutimes', 'D + "/missing", 1, 1'),
  // --- mkdir, rm, rmdir, unlink ---
  ...forms('mkdir', 'D + "/m"'),
  ...forms('mkdir', 'R + "/m/n/o", { recursive: true }'),
  ...forms('mkdir', 'D + "/d/sub", { recursive: true }'),
  ...forms('mkdir', 'D + "/m", 0o700'),
  ...forms('mkdir', 'D + "/d"'),
  ...forms('mkdir', 'D + "/x/y"'),
  ...forms('mkdir', 'D + "/f.txt/y", { recursive: true }').map(known(UNRESOLVABLE)),
  ...forms('rm', 'D + "/f.txt"'),
  ...forms('rm', 'D + "/d", { recursive: true }'),
  ...forms('rm', 'D + "/missing", { force: true }'),
  ...forms('rm', 'D + "/missing"'),
  ...forms('rm', 'D + "/d"'),
  ...forms('rm', 'D + "/l"'),
  ...forms('rename', 'R + "/missing", R + "/n.txt"'),
  ...forms('copyFile', 'R + "/missing", R + "/n.txt"'),
  ...forms('rmdir', 'D + "/e"'),
  ...forms('rmdir', 'D + "/d"'),
  ...forms('rmdir', 'D + "/f.txt"'),
  ...forms('rmdir', 'D + "/missing"'),
  ...forms('unlink', 'D + "/f.txt"'),
  ...forms('unlink', 'R + "/l"'),
  ...forms('unlink', 'D + "/d"'),
  ...forms('unlink', 'D + "/missing"'),
  // --- write, writev through a descriptor ---
  c(
    'writeSync of a buffer, a string and at a position',
    ['fs.writeSync', 'fs.openSync', 'fs.closeSync'],
    `const fd = fs.openSync(D + "/n.txt", "w"); try { return [fs.writeSync(fd, Buffer.from("abcdef"), 1, 3), fs.writeSync(fd, "xy"), fs.writeSync(fd, "Z", 0, "utf8"), fs.writeSync(fd, new Uint8Array([65, 66]), 0, 2, 10)]; } finally { fs.closeSync(fd); }`,
  ),
  c(
    'write callback of a buffer and of a string',
    ['fs.write', 'fs.open', 'fs.close'],
    `const [, fd] = await cb((k) => fs.open(D + "/n.txt", "w", k)); const a = await cb((k) => fs.write(fd, Buffer.from("hello"), 0, 5, null, k)); const b = await cb((k) => fs.write(fd, "tail", k)); const d = await cb((k) => fs.write(fd, Buffer.from("Q"), k)); await cb((k) => fs.close(fd, k)); return [a, b, d];`,
  ),
  c('writeSync of an object', 'fs.writeSync', `const fd = fs.openSync(D + "/n.txt", "w"); try { return fs.writeSync(fd, {}); } finally { fs.closeSync(fd); }`),
  c(
    'writevSync of several buffers',
    ['fs.writevSync', 'fs.openSync'],
    `const fd = fs.openSync(D + "/n.txt", "w"); try { return [fs.writevSync(fd, [Buffer.from("ab"), Buffer.from("cd"), new Uint8Array([101])]), fs.writevSync(fd, [Buffer.from("Z")], 1)]; } finally { fs.closeSync(fd); }`,
  ),
  c(
    'writev callback of several buffers',
    ['fs.writev', 'fs.open'],
    `const [, fd] = await cb((k) => fs.open(D + "/n.txt", "a", k)); const r = await cb((k) => fs.writev(fd, [Buffer.from("1"), Buffer.from("23")], k)); fs.closeSync(fd); return r;`,
  ),
  c(
    'writevSync of strings',
    'fs.writevSync',
    `const fd = fs.openSync(D + "/n.txt", "w"); try { return fs.writevSync(fd, ["a", "b"]); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'writevSync of an empty array',
    'fs.writevSync',
    `const fd = fs.openSync(D + "/n.txt", "w"); try { return fs.writevSync(fd, []); } finally { fs.closeSync(fd); }`,
  ),
  // --- ftruncate, fchmod, fchown, futimes ---
  c(
    'ftruncateSync',
    ['fs.ftruncateSync', 'fs.openSync'],
    `const fd = fs.openSync(D + "/f.txt", "r+"); try { return fs.ftruncateSync(fd, 3); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'ftruncate callback',
    'fs.ftruncate',
    `const fd = fs.openSync(D + "/f.txt", "r+"); const r = await cb((k) => fs.ftruncate(fd, k)); fs.closeSync(fd); return r;`,
  ),
  c(
    'ftruncateSync bad length',
    'fs.ftruncateSync',
    `const fd = fs.openSync(D + "/f.txt", "r+"); try { return fs.ftruncateSync(fd, "x"); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'fchmodSync',
    'fs.fchmodSync',
    `const fd = fs.openSync(D + "/f.txt", "a"); try { fs.fchmodSync(fd, 0o604); return (fs.statSync(D + "/f.txt").mode & 0o777).toString(8); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'fchmod callback',
    'fs.fchmod',
    `const fd = fs.openSync(D + "/f.txt", "a"); const r = await cb((k) => fs.fchmod(fd, "644", k)); fs.closeSync(fd); return r;`,
  ),
  c('fchmodSync bad mode', 'fs.fchmodSync', `const fd = fs.openSync(D + "/f.txt", "a"); try { return fs.fchmodSync(fd, "rw"); } finally { fs.closeSync(fd); }`),
  c(
    'fchownSync',
    'fs.fchownSync',
    `const fd = fs.openSync(D + "/f.txt", "a"); try { return fs.fchownSync(fd, process.getuid(), process.getgid()); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'fchown callback',
    'fs.fchown',
    `const fd = fs.openSync(D + "/f.txt", "a"); const r = await cb((k) => fs.fchown(fd, process.getuid(), process.getgid(), k)); fs.closeSync(fd); return r;`,
  ),
  c(
    'futimesSync',
    'fs.futimesSync',
    `const fd = fs.openSync(D + "/f.txt", "a"); try { fs.futimesSync(fd, 10, 20); return times(D + "/f.txt"); } finally { fs.closeSync(fd); }`,
  ),
  c(
    'futimes callback',
    'fs.futimes',
    `const fd = fs.openSync(D + "/f.txt", "a"); const r = await cb((k) => fs.futimes(fd, new Date(30000), 40, k)); fs.closeSync(fd); return [r, times(D + "/f.txt")];`,
  ),
  // --- copyFile, rename, link, symlink ---
  ...forms('copyFile', 'D + "/f.txt", D + "/n.txt"'),
  ...forms('copyFile', 'R + "/f.txt", R + "/d/a.txt"'),
  ...forms('copyFile', 'D + "/f.txt", D + "/d/a.txt", fs.constants.COPYFILE_EXCL'),
  ...forms('copyFile', 'D + "/missing", D + "/n.txt"'),
  ...forms('copyFile', 'D + "/d", D + "/n.txt"'),
  ...forms('copyFile', 'D + "/f.txt", D + "/d"'),
  ...forms('rename', 'D + "/f.txt", D + "/n.txt"'),
  ...forms('rename', 'R + "/d", R + "/e"'),
  ...forms('rename', 'D + "/d", D + "/f.txt"'),
  ...forms('rename', 'D + "/f.txt", D + "/d"'),
  ...forms('rename', 'D + "/missing", D + "/n.txt"'),
  ...forms('link', 'D + "/f.txt", D + "/hard.txt"'),
  ...forms('link', 'D + "/f.txt", D + "/d/a.txt"'),
  ...forms('link', 'D + "/missing", D + "/hard.txt"'),
  ...forms('link', 'D + "/d", D + "/hard"'),
  ...forms('symlink', '"f.txt", D + "/s"'),
  ...forms('symlink', '"d", R + "/s", "dir"'),
  ...forms('symlink', 'D + "/d/a.txt", D + "/s"'),
  ...forms('symlink', '"f.txt", D + "/l"'),
  ...forms('symlink', 'Buffer.from("f.txt"), D + "/s"'),
  ...forms('symlink', '"f.txt", D + "/missing/s"'),
  ...forms('symlink', '"f.txt", R + "/l"'),
  ...forms('link', 'R + "/f.txt", R + "/d/a.txt"'),
  // --- mkdtemp ---
  // The name made is random: its prefix and length are compared, and the tree (minus the random part).
  c('mkdtempSync', 'fs.mkdtempSync', `const r = fs.mkdtempSync(D + "/t-"); return [r.slice(0, -6), r.length - D.length];`),
  c('mkdtemp callback', 'fs.mkdtemp', `const [e, r] = await cb((k) => fs.mkdtemp(R + "/t-", k)); return [e, r.slice(0, -6), r.length];`),
  c('promises.mkdtemp', 'fs.promises.mkdtemp', `const r = await fsp.mkdtemp(D + "/t-", "buffer"); return [r.subarray(D.length, -6), r.length - D.length];`),
  c('promises.mkdtemp relative', 'fs.promises.mkdtemp', `const r = await fsp.mkdtemp(R + "/t-"); return [r.slice(0, -6), r.length];`),
  ...forms('mkdtemp', 'D + "/missing/t-"'),
  ...forms('mkdtemp', 'D + "/f.txt/t-"').map(known(UNRESOLVABLE)),
  ...forms('mkdtemp', '5'),
  // --- open ---
  c('openSync r', ['fs.openSync', 'fs.closeSync'], `const fd = fs.openSync(D + "/f.txt"); fs.closeSync(fd); return typeof fd;`),
  c(
    'openSync w, a, wx, r+ and numeric flags',
    ['fs.openSync', 'fs.closeSync'],
    `const out = []; for (const [p, f] of [["n.txt", "w"], ["f.txt", "a"], ["x.txt", "wx"], ["f.txt", "r+"], ["y.txt", fs.constants.O_CREAT | fs.constants.O_WRONLY], ["f.txt", fs.constants.O_RDONLY]]) { const fd = fs.openSync(D + "/" + p, f, 0o600); out.push(typeof fd); fs.closeSync(fd); } return out;`,
  ),
  c(
    'open callback w',
    ['fs.open', 'fs.close'],
    `const [e, fd] = await cb((k) => fs.open(D + "/n.txt", "w", k)); await cb((k) => fs.close(fd, k)); return [e, typeof fd];`,
  ),
  c(
    'open callback r, no flags',
    ['fs.open', 'fs.close'],
    `const [e, fd] = await cb((k) => fs.open(R + "/f.txt", k)); await cb((k) => fs.close(fd, k)); return [e, typeof fd];`,
  ),
  c(
    'promises.open and close',
    'fs.promises.open',
    `const h = await fsp.open(D + "/n.txt", "wx"); const t = [h.constructor.name, typeof h.fd]; await h.close(); return t;`,
  ),
  ...forms('open', 'D + "/missing"'),
  ...forms('open', 'D + "/f.txt", "wx"'),
  ...forms('open', 'D + "/d", "w"'),
  ...forms('open', 'D + "/missing/n.txt", "w"'),
  ...forms('open', 'D + "/f.txt", "nope"'),
  ...forms('open', 'D + "/f.txt", {}'),
  ...forms('open', 'undefined, "r"'),
  c('closeSync EBADF', 'fs.closeSync', `return fs.closeSync(987654);`),
  c('close callback EBADF', 'fs.close', `return cb((k) => fs.close(987654, k));`),
  c('closeSync of a string', 'fs.closeSync', `return fs.closeSync("3");`),
  c('close without a callback', 'fs.close', `const fd = fs.openSync(D + "/f.txt"); return fs.close(fd);`),
  // --- exists ---
  c(
    'existsSync',
    'fs.existsSync',
    `return [fs.existsSync(D + "/f.txt"), fs.existsSync(R + "/d"), fs.existsSync(D + "/missing"), fs.existsSync(undefined), fs.existsSync(5), fs.existsSync({})];`,
  ),
  c(
    'exists callback',
    'fs.exists',
    `const a = await new Promise((r) => fs.exists(D + "/f.txt", r)); const b = await new Promise((r) => fs.exists(D + "/missing", (...x) => r(x))); return [a, b];`,
  ),
  // --- FileHandle methods the guard wraps ---
  c(
    'FileHandle.write, writev, truncate, chmod, chown, utimes',
    ['fs.promises.open', 'FileHandle.write', 'FileHandle.writev', 'FileHandle.truncate', 'FileHandle.chmod', 'FileHandle.chown', 'FileHandle.utimes'],
    `const h = await fsp.open(D + "/n.txt", "w+"); try { const out = []; const w = await h.write(Buffer.from("abc"), 0, 3, 0); out.push([w.bytesWritten, w.buffer]); const s = await h.write("de"); out.push([s.bytesWritten, s.buffer]); const v = await h.writev([Buffer.from("f"), Buffer.from("g")]); out.push([v.bytesWritten, v.buffers]); out.push(await h.truncate(4), await h.chmod(0o600), await h.chown(process.getuid(), process.getgid()), await h.utimes(50, 60)); out.push(times(D + "/n.txt")); return out; } finally { await h.close(); }`,
  ),
  c(
    'FileHandle.writeFile and appendFile',
    ['FileHandle.writeFile', 'FileHandle.appendFile'],
    `const h = await fsp.open(D + "/n.txt", "w"); try { return [await h.writeFile("one"), await h.appendFile(Buffer.from("two")), await h.writeFile(["x", "y"])]; } finally { await h.close(); }`,
  ),
  c(
    'FileHandle.createWriteStream of several chunks',
    'FileHandle.createWriteStream',
    `const h = await fsp.open(D + "/n.txt", "w"); const s = h.createWriteStream(); return writeAll(s, ["a", "bb", "ccc"]);`,
  ),
  c('FileHandle.write after close (EBADF)', 'FileHandle.write', `const h = await fsp.open(D + "/n.txt", "w"); await h.close(); return h.write("x");`),
  c(
    'FileHandle.writeFile after close (EBADF)',
    'FileHandle.writeFile',
    `const h = await fsp.open(D + "/n.txt", "w"); await h.close(); return h.writeFile("x");`,
  ),
  c(
    'FileHandle.writev of a non-array',
    'FileHandle.writev',
    `const h = await fsp.open(D + "/n.txt", "w"); try { return await h.writev("x"); } finally { await h.close(); }`,
  ),
  c(
    'FileHandle.chmod bad mode',
    'FileHandle.chmod',
    `const h = await fsp.open(D + "/n.txt", "w"); try { return await h.chmod("zz"); } finally { await h.close(); }`,
  ),
  // --- streams ---
  c('createReadStream in several chunks', 'fs.createReadStream', `return readAll(fs.createReadStream(D + "/f.txt", { highWaterMark: 2 }));`),
  c(
    'createReadStream start, end, encoding',
    'fs.createReadStream',
    `return readAll(fs.createReadStream(R + "/f.txt", { start: 1, end: 3, encoding: "utf8" }));`,
  ),
  c(
    'createReadStream of a descriptor',
    'fs.createReadStream',
    `const fd = fs.openSync(D + "/f.txt"); return readAll(fs.createReadStream(null, { fd, highWaterMark: 4 }));`,
  ),
  c(
    'createReadStream of a FileHandle',
    'fs.createReadStream',
    `const h = await fsp.open(D + "/f.txt"); return readAll(fs.createReadStream(undefined, { fd: h, highWaterMark: 3 }));`,
  ),
  c('createReadStream ENOENT', 'fs.createReadStream', `return readAll(fs.createReadStream(D + "/missing"));`),
  c('createReadStream EISDIR', 'fs.createReadStream', `return readAll(fs.createReadStream(D + "/d"));`),
  c('createReadStream of a number path', 'fs.createReadStream', `return fs.createReadStream(5);`),
  c('createWriteStream of several chunks', 'fs.createWriteStream', `return writeAll(fs.createWriteStream(D + "/n.txt"), ["a", Buffer.from("bb"), "ccc"]);`),
  c('createWriteStream corked (writev)', 'fs.createWriteStream', `return writeAll(fs.createWriteStream(D + "/n.txt"), ["1", "2", "3", "4"], true);`),
  c('createWriteStream append, relative', 'fs.createWriteStream', `return writeAll(fs.createWriteStream(R + "/f.txt", { flags: "a" }), ["x", "y"], true);`),
  c('createWriteStream r+ at a position', 'fs.createWriteStream', `return writeAll(fs.createWriteStream(D + "/f.txt", { flags: "r+", start: 2 }), ["XY"]);`),
  c(
    'createWriteStream of a descriptor',
    'fs.createWriteStream',
    `const fd = fs.openSync(D + "/n.txt", "w"); return writeAll(fs.createWriteStream(null, { fd }), ["p", "q"], true);`,
  ),
  c('createWriteStream wx EEXIST', 'fs.createWriteStream', `return writeAll(fs.createWriteStream(D + "/f.txt", { flags: "wx" }), ["x"]);`),
  c('createWriteStream ENOENT', 'fs.createWriteStream', `return writeAll(fs.createWriteStream(D + "/missing/n.txt"), ["x"]);`),
  c(
    'createReadStream ENOENT relative',
    'fs.createReadStream',
    `return readAll(fs.createReadStream(R + "/missing"));`,
    'a stream opens later, so it gets the path made absolute at the decision, and its error names that',
  ),
  c('createWriteStream of a number path', 'fs.createWriteStream', `return fs.createWriteStream(7);`),
  // --- cp ---
  c('cpSync a file', 'fs.cpSync', `return fs.cpSync(D + "/f.txt", D + "/n.txt");`),
  c('cpSync a tree, recursive', 'fs.cpSync', `return fs.cpSync(R + "/d", R + "/d2", { recursive: true });`),
  c('cpSync over an existing file', 'fs.cpSync', `return fs.cpSync(D + "/f.txt", D + "/d/a.txt");`),
  c('cpSync force false errorOnExist', 'fs.cpSync', `return fs.cpSync(D + "/f.txt", D + "/d/a.txt", { force: false, errorOnExist: true });`, CP_ERRORS),
  c('cpSync a directory without recursive', 'fs.cpSync', `return fs.cpSync(D + "/d", D + "/d2");`, CP_ERRORS),
  c('cpSync ENOENT', 'fs.cpSync', `return fs.cpSync(D + "/missing", D + "/n.txt");`),
  c('cpSync onto itself', 'fs.cpSync', `return fs.cpSync(D + "/f.txt", D + "/f.txt");`, CP_ERRORS),
  c('cpSync into its own subdirectory', 'fs.cpSync', `return fs.cpSync(D + "/d", D + "/d/sub/d", { recursive: true });`, CP_ERRORS),
  c('cpSync a directory onto a file', 'fs.cpSync', `return fs.cpSync(D + "/d", D + "/f.txt", { recursive: true });`, CP_ERRORS),
  c('cpSync a file onto a directory', 'fs.cpSync', `return fs.cpSync(D + "/f.txt", D + "/e");`, CP_ERRORS),
  c(
    'cpSync with a filter',
    'fs.cpSync',
    `const seen = []; fs.cpSync(D + "/d", D + "/d2", { recursive: true, filter: (s, d) => { seen.push(path.basename(s)); return !s.endsWith("a.txt"); } }); return seen.sort();`,
  ),
  c('cpSync of a symlink', 'fs.cpSync', `return fs.cpSync(D + "/l", D + "/l2");`),
  c('cpSync of a number', 'fs.cpSync', `return fs.cpSync(1, D + "/n.txt");`),
  c('cp callback a tree', 'fs.cp', `return cb((k) => fs.cp(D + "/d", D + "/d2", { recursive: true }, k));`),
  c('cp callback ENOENT', 'fs.cp', `return cb((k) => fs.cp(D + "/missing", D + "/n.txt", k));`),
  c('cp callback a directory without recursive', 'fs.cp', `return cb((k) => fs.cp(D + "/d", D + "/d2", k));`, CP_ERRORS),
  c('promises.cp a tree', 'fs.promises.cp', `return fsp.cp(D + "/d", R + "/d2", { recursive: true });`),
  c('promises.cp a file', 'fs.promises.cp', `return fsp.cp(D + "/f.txt", D + "/n.txt");`),
  c('promises.cp ENOENT', 'fs.promises.cp', `return fsp.cp(D + "/missing", D + "/n.txt");`),
  c('promises.cp async filter', 'fs.promises.cp', `return fsp.cp(D + "/d", D + "/d2", { recursive: true, filter: async (s) => !s.endsWith("sub") });`),
  // --- process.loadEnvFile ---
  c(
    'process.loadEnvFile',
    'process.loadEnvFile',
    `process.loadEnvFile(D + "/e.env"); const v = process.env.FIDELITY_X; delete process.env.FIDELITY_X; return v;`,
  ),
  c('process.loadEnvFile ENOENT', 'process.loadEnvFile', `return process.loadEnvFile(D + "/missing.env");`),
  // --- mkdtempDisposable (Node 24+: where this node has it, the guard wraps it and its remove()) ---
  ...(typeof (fs as { mkdtempDisposableSync?: unknown }).mkdtempDisposableSync === 'function'
    ? [
        c(
          'mkdtempDisposableSync, remove()',
          'fs.mkdtempDisposableSync',
          `const d = fs.mkdtempDisposableSync(D + "/t-"); const p = d.path; const made = fs.statSync(p).isDirectory(); d.remove(); return [p.slice(D.length, -6), made, fs.existsSync(p)];`,
        ),
        c(
          'mkdtempDisposableSync relative, Symbol.dispose',
          'fs.mkdtempDisposableSync',
          `const d = fs.mkdtempDisposableSync(R + "/t-"); const p = d.path; d[Symbol.dispose](); return [p.slice(0, -6), p.length, fs.existsSync(p)];`,
        ),
        c('mkdtempDisposableSync ENOENT', 'fs.mkdtempDisposableSync', `return fs.mkdtempDisposableSync(D + "/missing/t-");`),
        c(
          'promises.mkdtempDisposable, remove()',
          'fs.promises.mkdtempDisposable',
          `const d = await fsp.mkdtempDisposable(D + "/t-"); const p = d.path; await d.remove(); return [p.slice(D.length, -6), fs.existsSync(p)];`,
        ),
        c(
          'promises.mkdtempDisposable, Symbol.asyncDispose',
          'fs.promises.mkdtempDisposable',
          `const d = await fsp.mkdtempDisposable(R + "/t-"); const p = d.path; await d[Symbol.asyncDispose](); return [p.slice(0, -6), fs.existsSync(p)];`,
        ),
        c('promises.mkdtempDisposable ENOENT', 'fs.promises.mkdtempDisposable', `return await fsp.mkdtempDisposable(D + "/missing/t-");`),
      ]
    : []),
  // --- glob (Node 22+: where this node has it, the guard wraps it, and it needs its cases) ---
  ...(typeof (fs as { globSync?: unknown }).globSync === 'function'
    ? [
        c('globSync with cwd', 'fs.globSync', `return fs.globSync("**/*.txt", { cwd: D }).sort();`),
        c('glob callback with cwd', 'fs.glob', `const [err, found] = await cb((k) => fs.glob("d/*", { cwd: D }, k)); return [err, found.sort()];`),
        c('promises.glob, for await', 'fs.promises.glob', `const out = []; for await (const e of fsp.glob("*", { cwd: D })) out.push(e); return out.sort();`),
      ]
    : []),
];
