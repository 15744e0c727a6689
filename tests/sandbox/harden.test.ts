/**
 * Hardening that keeps ordinary assignment working, on the guard alone (no
 * Node permission flags), in real sleeve processes: the assignment patterns
 * of real libraries (lodash's `lodash.bind = ...`, an Error subclass's
 * `this.name`, graceful-fs replacing process.cwd/chdir and fs.close, read,
 * stat, ...) work, and what they replace stays guarded; a sleeve that tries
 * to replace the built-ins the guard relies on is refused and its denied
 * reads and writes stay denied and reported; objects the guard receives
 * (options, path-likes, URL-likes, typed-array subclasses) and
 * Object.prototype pollution cannot make the guard and Node disagree.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DenyMessage } from '../../sandbox/protocol.js';
import { type GuardedRun, runGuarded } from '../helpers/guarded.js';
import { makeWorkspace, snapshotTree } from '../helpers/tmp.js';

/** The sleeve: runs named attempts, prints { name: "ok" | code | message } as JSON. */
const PRELUDE = `
import fs from 'node:fs';
import * as ns from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
const L = 'data/lakehouse/AAPL.csv';
const SECRET = 'secrets/token.txt';
const RUN = process.env.SLEEVE_RUN_DIR_REL;
const stringify = JSON.stringify;
const results = {};
const cb = (fn) => new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
const drain = (s) => new Promise((resolve, reject) => { let text = ''; s.on('error', reject); s.on('data', (d) => { text += d; }); s.on('end', () => resolve(text)); });
const finish = (s, data) => new Promise((resolve, reject) => { s.on('error', reject); s.end(data, resolve); });
const code = (e) => (e && e.code === 'EACCES' && e.sleeveSandbox ? 'EACCES' : String(e && (e.code || e.message)));
async function attempt(name, fn) {
  try { const v = await fn(); results[name] = v === undefined ? 'ok' : v; }
  catch (e) { results[name] = code(e); }
}
`;

function denials(run: GuardedRun): DenyMessage[] {
  return run.messages.filter((m): m is DenyMessage => m.t === 'deny');
}

async function sleeve(ws: string, runId: string, body: string): Promise<{ run: GuardedRun; results: Record<string, unknown> }> {
  const run = await runGuarded({
    workspace: ws,
    runId,
    source: `${PRELUDE}\n${body}\nprocess.stdout.write(stringify(results));\n`,
    env: { SLEEVE_RUN_DIR_REL: `runs/${runId}` },
  });
  assert.ok(run.stdout, `the sleeve printed nothing (exit ${run.code}): ${run.stderr}`);
  return { run, results: JSON.parse(run.stdout) as Record<string, unknown> };
}

const dataUnchanged = (ws: string, before_: Map<string, string>) => assert.deepEqual(snapshotTree(path.join(ws, 'data')), before_);

describe('assignment patterns of real libraries work in a hardened sleeve, and stay guarded', () => {
  let ws: { dir: string; cleanup: () => void };
  let out: { run: GuardedRun; results: Record<string, unknown> };
  let data: Map<string, string>;
  const runId = 'compat';
  before(async () => {
    ws = makeWorkspace();
    data = snapshotTree(path.join(ws.dir, 'data'));
    out = await sleeve(
      ws.dir,
      runId,
      `
fs.writeFileSync(RUN + '/mine.txt', 'mine\\n');
// --- the override mistake: properties named like protected built-ins, on derived objects ---
await attempt('lodash-like: fn.bind, fn.call, fn.toString on a function', () => {
  function lodash() {}
  lodash.bind = function bind(f) { return f; };
  lodash.call = 'not Function.prototype.call';
  lodash.toString = () => 'lodash';
  const d = Object.getOwnPropertyDescriptor(lodash, 'bind');
  if (lodash.bind(5) !== 5 || lodash.call !== 'not Function.prototype.call' || String(lodash) !== 'lodash') throw new Error('wrong values');
  if (!d || !d.writable || !d.enumerable || !d.configurable) throw new Error('not an own data property');
  if ((function () { return this; }).bind(7)() !== 7) throw new Error('Function.prototype.bind changed');
});
await attempt('own methods on arrays, maps, sets, regexps, promises and strings-like objects', async () => {
  const a = [1, 2]; a.map = () => 'mine'; a.includes = () => 'mine'; a[Symbol.iterator] = function* () { yield 'mine'; };
  const m = new Map(); m.get = () => 'mine';
  const s = new Set(); s.has = () => 'mine';
  const re = /x/; re.exec = () => null; re.test = () => 'mine';
  const p = Promise.resolve(1); p.then = (f) => f('mine');
  const str = Object.create(String.prototype); str.startsWith = () => 'mine';
  const u = new URL('file:///x'); u.toString = () => 'mine';
  const b = Buffer.from('ab'); b.join = () => 'mine'; b.toString = () => 'mine';
  if (b.join() !== 'mine' || String(b) !== 'mine' || Buffer.from('ab').toString() !== 'ab' || Buffer.from('ab').length !== 2) throw new Error('buffers');
  const got = [a.map(), a.includes(), [...a][0], m.get(), s.has(), re.test('x'), await p.then((x) => x), str.startsWith(), String(u)];
  if (got.some((g) => g !== 'mine')) throw new Error('got ' + got.join());
  if ([2].map((x) => x * 2)[0] !== 4 || !/x/.test('x') || new Map([[1, 2]]).get(1) !== 2) throw new Error('the built-ins changed');
});
await attempt('an Error subclass sets this.name, this.toString and this.constructor', () => {
  class AppError extends Error { constructor(m) { super(m); this.name = 'AppError'; this.toString = () => 'app'; this.constructor = AppError; } }
  const e = new AppError('boom');
  if (e.name !== 'AppError' || String(e) !== 'app' || !(e instanceof Error)) throw new Error('wrong error');
});
await attempt('a class assigns statics named like Object, Array and Promise statics', () => {
  class Store extends Object {} Store.keys = () => 'mine'; Store.assign = () => 'mine';
  class List extends Array {} List.from = () => 'mine';
  class Later extends Promise {} Later.resolve = () => 'mine';
  if (Store.keys() !== 'mine' || Store.assign() !== 'mine' || List.from() !== 'mine' || Later.resolve() !== 'mine') throw new Error('wrong');
  if (Object.keys({ a: 1 })[0] !== 'a' || Array.from('ab').length !== 2) throw new Error('the built-ins changed');
});
await attempt('polyfill idioms assign globals and built-ins to themselves', () => {
  globalThis.Buffer = globalThis.Buffer || null;
  globalThis.URL = globalThis.URL;
  Object.keys = Object.keys || null;
  Array.prototype.includes = Array.prototype.includes;
  Promise.prototype.then = Promise.prototype.then;
  JSON.parse = JSON.parse;
});
await attempt('replacing a protected built-in is refused with a TypeError naming the sandbox', () => {
  try { Array.prototype.find = () => undefined; } catch (e) { return e instanceof TypeError && e.message.includes('sleeve-sandbox') && e.message.includes('Array.prototype.find') ? 'TypeError' : String(e); }
  return 'replaced';
});
await attempt('process methods may be replaced (process.emitWarning, process.exit)', () => {
  const emit = process.emitWarning; process.emitWarning = () => {}; process.emitWarning('silenced'); process.emitWarning = emit;
  const exit = process.exit; process.exit = () => {}; process.exit = exit;
});
// --- graceful-fs: process.cwd and process.chdir ---
await attempt('graceful-fs replaces process.cwd and process.chdir; relative writes still land in the run dir', () => {
  const origCwd = process.cwd;
  let cwd = null;
  process.cwd = function () { if (!cwd) cwd = origCwd.call(process); return cwd; };
  const chdir = process.chdir;
  process.chdir = function (d) { cwd = null; chdir.call(process, d); };
  process.chdir('.');
  fs.writeFileSync(RUN + '/rel.txt', 'relative\\n');
  if (fs.readFileSync(path.resolve(RUN, 'rel.txt'), 'utf8') !== 'relative\\n') throw new Error('wrong content');
});
await attempt('graceful-fs-patched process.cwd: a relative read of the secret', () => fs.readFileSync(SECRET, 'utf8'));
await attempt('a lying process.cwd (the run dir): a relative read of the secret', () => {
  const real = process.cwd;
  process.cwd = () => path.join(real.call(process), RUN);
  try { return fs.readFileSync(SECRET, 'utf8'); } finally { process.cwd = real; }
});
// --- graceful-fs: fs.close, closeSync, read, readSync, stat*, chown*, lutimes, open, readFile, writeFile, readdir ---
const raw = { open: fs.open, readFile: fs.readFile, realpathNative: fs.realpathSync.native, openSync: fs.openSync };
await attempt('graceful-fs reassigns fs functions', () => {
  fs.close = (function (fs$close) { function close(fd, cb) { return fs$close.call(fs, fd, function (err) { if (typeof cb === 'function') cb.apply(this, arguments); }); } return close; })(fs.close);
  fs.closeSync = (function (fs$closeSync) { function closeSync(fd) { fs$closeSync.apply(fs, arguments); } return closeSync; })(fs.closeSync);
  fs.read = (function (fs$read) { function read(fd, buffer, offset, length, position, callback_) { return fs$read.call(fs, fd, buffer, offset, length, position, function (er, _, __) { if (typeof callback_ === 'function') callback_.apply(this, arguments); }); } read.__proto__ = fs$read; return read; })(fs.read);
  fs.readSync = (function (fs$readSync) { return function (fd, buffer, offset, length, position) { return fs$readSync.call(fs, fd, buffer, offset, length, position); }; })(fs.readSync);
  const statFix = (orig) => function (target, options, cb) { if (typeof options === 'function') { cb = options; options = null; } function callback(er, stats) { if (stats && stats.uid < 0) stats.uid += 0x100000000; if (cb) cb.apply(this, arguments); } return options ? orig.call(fs, target, options, callback) : orig.call(fs, target, callback); };
  const statFixSync = (orig) => function (target, options) { const stats = options ? orig.call(fs, target, options) : orig.call(fs, target); if (stats && stats.uid < 0) stats.uid += 0x100000000; return stats; };
  for (const n of ['stat', 'fstat', 'lstat']) { fs[n] = statFix(fs[n]); fs[n + 'Sync'] = statFixSync(fs[n + 'Sync']); }
  const chownFix = (orig) => function (target, uid, gid, cb) { return orig.call(fs, target, uid, gid, function (er) { if (cb) cb.apply(this, arguments); }); };
  const chownFixSync = (orig) => function (target, uid, gid) { return orig.call(fs, target, uid, gid); };
  for (const n of ['chown', 'fchown', 'lchown']) { fs[n] = chownFix(fs[n]); fs[n + 'Sync'] = chownFixSync(fs[n + 'Sync']); }
  fs.lutimes = (function (orig) { return function lutimes(p, at, mt, cb) { return orig.call(fs, p, at, mt, cb); }; })(fs.lutimes);
  for (const n of ['open', 'readFile', 'writeFile', 'readdir']) { const orig = fs[n]; fs[n] = function (...a) { return orig.apply(fs, a); }; }
  if (fs.open === raw.open || Object.getOwnPropertyDescriptor(fs, 'close').value.name !== 'close') throw new Error('not replaced');
});
await attempt('after graceful-fs: streams, callbacks and sync reads of the lakehouse and writes to the run dir work', async () => {
  const lake = fs.readFileSync(L, 'utf8');
  if ((await drain(fs.createReadStream(L, 'utf8'))) !== lake) throw new Error('stream read');
  if ((await cb((k) => fs.readFile(L, 'utf8', k))) !== lake) throw new Error('readFile');
  if (!(await cb((k) => fs.stat(L, k))).isFile() || !fs.statSync(L).isFile()) throw new Error('stat');
  await finish(fs.createWriteStream(RUN + '/stream.txt'), 'streamed\\n');
  await cb((k) => fs.writeFile(RUN + '/cb.txt', 'cb\\n', k));
  const fd = await cb((k) => fs.open(L, 'r', k));
  const buf = Buffer.alloc(4);
  const { bytesRead, buffer } = await promisify(fs.read)(fd, buf, 0, 4, 0);
  await cb((k) => fs.close(fd, k));
  if (bytesRead !== 4 || buffer !== buf || buf.toString('utf8') !== 'date') throw new Error('fs.read');
  const wfd = fs.openSync(RUN + '/p.txt', 'w');
  const { bytesWritten } = await promisify(fs.write)(wfd, Buffer.from('pw'));
  fs.closeSync(wfd);
  if (bytesWritten !== 2) throw new Error('promisify(fs.write)');
  if ((await promisify(fs.exists)(L)) !== true || (await promisify(fs.exists)(SECRET)) !== false) throw new Error('promisify(fs.exists)');
  if (fs.readFileSync(RUN + '/stream.txt', 'utf8') !== 'streamed\\n' || fs.readFileSync(RUN + '/cb.txt', 'utf8') !== 'cb\\n') throw new Error('writes');
});
await attempt('after graceful-fs: readFileSync secret', () => fs.readFileSync(SECRET, 'utf8'));
await attempt('after graceful-fs: readFile callback secret', () => cb((k) => fs.readFile(SECRET, 'utf8', k)));
await attempt('after graceful-fs: createReadStream secret', () => drain(fs.createReadStream(SECRET, 'utf8')));
await attempt('after graceful-fs: open callback secret', () => cb((k) => fs.open(SECRET, 'r', k)));
await attempt('after graceful-fs: stat callback secret', () => cb((k) => fs.stat(SECRET, k)));
await attempt('after graceful-fs: statSync secret', () => { fs.statSync(SECRET); });
await attempt('after graceful-fs: writeFileSync lakehouse', () => fs.writeFileSync(L, 'poisoned'));
await attempt('after graceful-fs: writeFile callback lakehouse', () => cb((k) => fs.writeFile(L, 'poisoned', k)));
await attempt('after graceful-fs: createWriteStream lakehouse', () => finish(fs.createWriteStream(L), 'poisoned'));
await attempt('after graceful-fs: chown callback lakehouse', () => cb((k) => fs.chown(L, 0, 0, k)));
await attempt('after graceful-fs: lutimes callback lakehouse', () => cb((k) => fs.lutimes(L, 1, 1, k)));
await attempt('after graceful-fs: read through a read-only descriptor, then write to it', async () => {
  const fd = await cb((k) => fs.open(L, 'r', k));
  try { fs.writeSync(fd, 'poisoned'); } finally { fs.closeSync(fd); }
});
// --- what stays reachable after a replacement is a wrapper ---
await attempt('the ESM namespace keeps the wrapper after fs.open and fs.readFileSync are replaced', () => {
  const keep = fs.readFileSync;
  fs.readFileSync = () => 'replaced';
  try {
    if (ns.open === fs.open || ns.readFileSync === fs.readFileSync) throw new Error('the namespace followed the replacement');
    return ns.readFileSync(SECRET, 'utf8');
  } finally { fs.readFileSync = keep; }
});
await attempt('fs.realpathSync.native taken before fs.realpathSync is replaced: secret', () => {
  const keep = fs.realpathSync;
  fs.realpathSync = (p) => p;
  try { return raw.realpathNative(SECRET); } finally { fs.realpathSync = keep; }
});
await attempt('fs.promises.open replaced, then fs.promises.readFile secret', async () => {
  const keep = fsp.open;
  fsp.open = async () => null;
  try { return await fsp.readFile(SECRET, 'utf8'); } finally { fsp.open = keep; }
});
await attempt('a FileHandle method assigned on the handle is its own; the prototype method still refuses a read-only handle', async () => {
  const h = await fsp.open(RUN + '/mine.txt', 'r');
  try {
    h.write = () => 'own';
    if (h.write() !== 'own' || !Object.hasOwn(h, 'write')) throw new Error('not own');
    await Object.getPrototypeOf(h).write.call(h, 'poisoned');
  } finally { await h.close(); }
});
// --- the variant against the nested-call shortcut: sleeve code runs between the outer decision and Node's inner fs.openSync ---
await attempt('fs.openSync replaced by a function that swaps the decided file for a symlink to the lakehouse', () => {
  const target = RUN + '/swap.txt';
  fs.writeFileSync(target, 'innocent\\n');
  const wrapper = fs.openSync;
  fs.openSync = function (p, ...rest) {
    fs.openSync = wrapper;
    fs.unlinkSync(target);
    fs.symlinkSync(path.resolve(L), target);
    return wrapper.call(fs, p, ...rest);
  };
  // With a Buffer, Node's writeFileSync opens through the public fs.openSync.
  fs.writeFileSync(target, Buffer.from('poisoned through the inner open\\n'));
});
await attempt('inside a replaced fs.openSync: swap the file for a symlink to the lakehouse, truncate it through a wrapper nobody replaced', () => {
  const target = RUN + '/swap2.txt';
  fs.writeFileSync(target, 'innocent\\n');
  const wrapper = fs.openSync;
  let inner = 'not reached';
  fs.openSync = function (p, ...rest) {
    fs.openSync = wrapper;
    fs.unlinkSync(target);
    fs.symlinkSync(path.resolve(L), target);
    try { fs.truncateSync(target, 0); inner = 'truncated'; } catch (e) { inner = code(e); }
    return wrapper.call(fs, p, ...rest);
  };
  let outer = 'written';
  try { fs.writeFileSync(target, Buffer.from('x')); } catch (e) { outer = code(e); }
  return inner + ' ' + outer;
});
await attempt('graceful-fs clones fs from its descriptors and patches the clone: readFileSync secret', () => {
  const clone = Object.create(Object.getPrototypeOf(fs));
  for (const k of Object.getOwnPropertyNames(fs)) Object.defineProperty(clone, k, Object.getOwnPropertyDescriptor(fs, k));
  clone.close = function close(fd, cb) { return fs.close(fd, cb); };
  clone.readFileSync = (function (orig) { return function (...a) { return orig.apply(clone, a); }; })(clone.readFileSync);
  return clone.readFileSync(SECRET, 'utf8');
});
`,
    );
  });
  after(() => ws.cleanup());

  it('runs every attempt and exits cleanly', () => {
    assert.equal(out.run.code, 0, out.run.stderr);
  });
  for (const name of [
    'lodash-like: fn.bind, fn.call, fn.toString on a function',
    'own methods on arrays, maps, sets, regexps, promises and strings-like objects',
    'an Error subclass sets this.name, this.toString and this.constructor',
    'a class assigns statics named like Object, Array and Promise statics',
    'polyfill idioms assign globals and built-ins to themselves',
    'process methods may be replaced (process.emitWarning, process.exit)',
    'graceful-fs replaces process.cwd and process.chdir; relative writes still land in the run dir',
    'graceful-fs reassigns fs functions',
    'after graceful-fs: streams, callbacks and sync reads of the lakehouse and writes to the run dir work',
  ]) {
    it(`works: ${name}`, () => assert.equal(out.results[name], 'ok', `${name} -> ${String(out.results[name])}`));
  }
  it('refuses to replace a protected built-in on its home object, with a TypeError naming the sandbox and the property', () => {
    assert.equal(out.results['replacing a protected built-in is refused with a TypeError naming the sandbox'], 'TypeError');
  });
  for (const name of [
    'graceful-fs-patched process.cwd: a relative read of the secret',
    'a lying process.cwd (the run dir): a relative read of the secret',
    'after graceful-fs: readFileSync secret',
    'after graceful-fs: readFile callback secret',
    'after graceful-fs: createReadStream secret',
    'after graceful-fs: open callback secret',
    'after graceful-fs: stat callback secret',
    'after graceful-fs: statSync secret',
    'after graceful-fs: writeFileSync lakehouse',
    'after graceful-fs: writeFile callback lakehouse',
    'after graceful-fs: createWriteStream lakehouse',
    'after graceful-fs: chown callback lakehouse',
    'after graceful-fs: lutimes callback lakehouse',
    'after graceful-fs: read through a read-only descriptor, then write to it',
    'the ESM namespace keeps the wrapper after fs.open and fs.readFileSync are replaced',
    'fs.realpathSync.native taken before fs.realpathSync is replaced: secret',
    'fs.promises.open replaced, then fs.promises.readFile secret',
    'a FileHandle method assigned on the handle is its own; the prototype method still refuses a read-only handle',
    'fs.openSync replaced by a function that swaps the decided file for a symlink to the lakehouse',
    'graceful-fs clones fs from its descriptors and patches the clone: readFileSync secret',
  ]) {
    it(`still refuses: ${name}`, () => assert.equal(out.results[name], 'EACCES', `${name} -> ${String(out.results[name])}`));
  }
  it('decides again a call made from sleeve code inside a wrapped call, once the namespace changed', () => {
    const name = 'inside a replaced fs.openSync: swap the file for a symlink to the lakehouse, truncate it through a wrapper nobody replaced';
    assert.equal(out.results[name], 'EACCES EACCES');
  });
  it('changes nothing under data/ and never shows the secret', () => {
    dataUnchanged(ws.dir, data);
    assert.ok(!out.run.stdout.includes('s3cr3t'), 'the secret reached the sleeve');
  });
  it('reports the refusals on the channel', () => {
    const d = denials(out.run);
    assert.ok(d.some((m) => m.op === 'read' && m.path === 'secrets/token.txt'));
    assert.ok(d.some((m) => m.op === 'write' && m.resolved === path.join(ws.dir, 'data/lakehouse/AAPL.csv')));
  });
});

describe('a sleeve that replaces the built-ins the guard relies on is refused, and its denied reads and writes stay denied', () => {
  let ws: { dir: string; cleanup: () => void };
  let out: { run: GuardedRun; results: Record<string, unknown> };
  let data: Map<string, string>;
  const runId = 'intrinsics';
  const targets = [
    'Array.prototype.some',
    'Array.prototype.find',
    'Array.prototype.includes',
    'Array.prototype.map',
    'String.prototype.startsWith',
    'String.prototype.slice',
    'String.prototype.replace',
    'Function.prototype.call',
    'Function.prototype.apply',
    'Function.prototype.bind',
    'Map.prototype.get',
    'Map.prototype.set',
    'Set.prototype.has',
    'JSON.parse',
    'JSON.stringify',
    'Reflect.apply',
    'Object.defineProperty',
    'Promise.prototype.then',
    'globalThis.URL',
    'globalThis.Buffer',
  ];
  /** Frozen (their home objects hold nothing else a library assigns): a plain read-only TypeError, Reflect.set answers false. */
  const frozen = ['ArrayIteratorPrototype.next', 'MapIteratorPrototype.next', 'globalThis.Math', 'globalThis.JSON', 'globalThis.Array'];
  /**
   * Left replaceable, so that V8 keeps its fast paths for arrays (sandbox/harden.ts WATCHED): while one
   * is not the original, every decision of the guard is refused, even of the sleeve's own files.
   */
  const watched = ['Array.prototype[Symbol.iterator]', 'Array.prototype.constructor', 'Array[Symbol.species]', 'String.prototype[Symbol.iterator]'];
  /**
   * Left to the sleeve (V8's fast regular expressions need RegExp.prototype untouched): replaced by a
   * function that says every path matches, they change no decision, since what decides never looks them up.
   */
  const free = ['RegExp.prototype.exec', 'RegExp.prototype.test', 'RegExp.prototype[Symbol.replace]', 'RegExp.prototype[Symbol.split]'];
  before(async () => {
    ws = makeWorkspace();
    data = snapshotTree(path.join(ws.dir, 'data'));
    out = await sleeve(
      ws.dir,
      runId,
      `
const ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
const MapIteratorPrototype = Object.getPrototypeOf(new Map()[Symbol.iterator]());
const defineProperty = Object.defineProperty;
const getDescriptor = Object.getOwnPropertyDescriptor;
const targets = ${JSON.stringify([...targets, ...frozen])};
const watched = ${JSON.stringify(watched)};
const free = ${JSON.stringify(free)};
const evil = function evil() { return true; };
const execRe = RegExp.prototype.exec;
const lookup = (t) => {
  const m = execRe.call(/^(.*?)(?:\\[Symbol\\.(\\w+)\\]|\\.(\\w+))$/, t);
  return [eval(m[1]), m[2] ? Symbol[m[2]] : m[3]];
};
const tryAll = async (label) => {
  const r = {};
  try { fs.readFileSync(SECRET, 'utf8'); r.readSync = 'read'; } catch (e) { r.readSync = code(e); }
  try { await fsp.readFile(SECRET, 'utf8'); r.readPromise = 'read'; } catch (e) { r.readPromise = code(e); }
  try { await cb((k) => fs.readFile(SECRET, 'utf8', k)); r.readCallback = 'read'; } catch (e) { r.readCallback = code(e); }
  try { fs.writeFileSync(L, 'poisoned'); r.writeSync = 'written'; } catch (e) { r.writeSync = code(e); }
  try { fs.copyFileSync(RUN + '/mine.txt', L); r.copy = 'written'; } catch (e) { r.copy = code(e); }
  results[label] = r;
};
fs.writeFileSync(RUN + '/mine.txt', 'mine\\n');
for (const t of targets) {
  const [home, key] = lookup(t);
  const original = home[key];
  const r = {};
  try { home[key] = evil; r.assign = 'replaced'; } catch (e) { r.assign = e instanceof TypeError && (e.message.includes('sleeve-sandbox') || e.message.includes('read only')) ? 'TypeError' : String(e); }
  try { defineProperty(home, key, { value: evil, configurable: true, writable: true }); r.define = 'replaced'; } catch (e) { r.define = e instanceof TypeError ? 'TypeError' : String(e); }
  try { Reflect.set(home, key, evil, home); r.reflectSet = home[key] === evil ? 'replaced' : 'kept'; } catch (e) { r.reflectSet = e instanceof TypeError ? 'TypeError' : String(e); }
  // Variants against the taming: its setter called with a Proxy of the home object, or on another home.
  try { new Proxy(home, {})[key] = evil; r.proxy = home[key] === evil ? 'replaced' : 'kept'; } catch (e) { r.proxy = e instanceof TypeError ? 'TypeError' : String(e); }
  const setter = getDescriptor(home, key)?.set;
  for (const other of [String.prototype, Buffer.prototype, Array.prototype, Function.prototype, Uint8Array.prototype]) {
    // Only another protected property matters: the sleeve may assign an unprotected one anyway.
    const od = getDescriptor(other, key);
    if (typeof setter !== 'function' || other === home || od === undefined || od.configurable) continue;
    const before = other[key];
    try { setter.call(other, evil); } catch {}
    if (other[key] !== before) r.otherHome = 'replaced';
  }
  r.same = home[key] === original;
  results[t] = r;
  await tryAll(t + ': then');
}
// The watched ones, by index (a for-of would call the replaced iterator).
const own = RUN + '/mine.txt';
for (let i = 0; i < watched.length; i++) {
  const [home, key] = lookup(watched[i]);
  const original = getDescriptor(home, key);
  const r = {};
  // A file of its own not read before (a remembered read runs no engine code, so it needs no check).
  const fresh = RUN + '/fresh-' + i + '.txt';
  fs.writeFileSync(fresh, 'fresh\\n');
  try { defineProperty(home, key, { value: evil, configurable: true, writable: true }); r.define = 'replaced'; } catch (e) { r.define = String(e); }
  try { fs.readFileSync(fresh, 'utf8'); r.readOwn = 'read'; } catch (e) { r.readOwn = code(e); }
  try { fs.writeFileSync(own, 'mine\\n'); r.writeOwn = 'written'; } catch (e) { r.writeOwn = code(e); }
  try { fs.readFileSync(SECRET, 'utf8'); r.readSecret = 'read'; } catch (e) { r.readSecret = code(e); }
  defineProperty(home, key, original);
  try { fs.readFileSync(own, 'utf8'); r.restored = 'read'; } catch (e) { r.restored = code(e); }
  results['watched ' + watched[i]] = r;
}
// The free ones: replaced by a matcher that matches everything, the decisions stay what they were.
const matchAll = function matchAll() { return ['x']; };
for (let i = 0; i < free.length; i++) {
  const [home, key] = lookup(free[i]);
  const original = getDescriptor(home, key);
  const r = {};
  try { defineProperty(home, key, { value: matchAll, configurable: true, writable: true }); r.define = 'replaced'; } catch (e) { r.define = String(e); }
  try { fs.readFileSync(own, 'utf8'); r.readOwn = 'read'; } catch (e) { r.readOwn = code(e); }
  try { fs.readFileSync(SECRET, 'utf8'); r.readSecret = 'read'; } catch (e) { r.readSecret = code(e); }
  try { fs.writeFileSync(L, 'poisoned'); r.writeLake = 'written'; } catch (e) { r.writeLake = code(e); }
  try { fs.copyFileSync(own, L); r.copy = 'written'; } catch (e) { r.copy = code(e); }
  try { fs.writeFileSync(RUN + '/../other/x.txt', 'x'); r.writeOther = 'written'; } catch (e) { r.writeOther = code(e); }
  defineProperty(home, key, original);
  results['free ' + free[i]] = r;
}
`,
    );
  });
  after(() => ws.cleanup());

  it('runs every attempt and exits cleanly', () => {
    assert.equal(out.run.code, 0, out.run.stderr);
  });
  for (const t of frozen) {
    it(`keeps ${t} frozen (assignment, defineProperty, Reflect.set, through a Proxy)`, () => {
      const r = out.results[t] as Record<string, unknown>;
      assert.deepEqual(r, { assign: 'TypeError', define: 'TypeError', reflectSet: 'kept', proxy: 'TypeError', same: true });
    });
    it(`still refuses reads of the secret and writes to the lakehouse after trying to replace ${t}`, () => {
      assert.deepEqual(out.results[`${t}: then`], { readSync: 'EACCES', readPromise: 'EACCES', readCallback: 'EACCES', writeSync: 'EACCES', copy: 'EACCES' });
    });
  }
  for (const t of watched) {
    it(`refuses every decision, even of the sleeve's own files, while ${t} is replaced, and decides again once it is restored`, () => {
      assert.deepEqual(out.results[`watched ${t}`], { define: 'replaced', readOwn: 'EACCES', writeOwn: 'EACCES', readSecret: 'EACCES', restored: 'read' });
    });
  }
  for (const t of free) {
    it(`lets the sleeve replace ${t}, and no decision changes: the policy's matches never look it up`, () => {
      assert.deepEqual(out.results[`free ${t}`], {
        define: 'replaced',
        readOwn: 'read',
        readSecret: 'EACCES',
        writeLake: 'EACCES',
        copy: 'EACCES',
        writeOther: 'EACCES',
      });
    });
  }
  for (const t of targets) {
    it(`refuses to replace ${t} (assignment, defineProperty, Reflect.set, through a Proxy, its setter on another home)`, () => {
      const r = out.results[t] as Record<string, unknown>;
      assert.deepEqual(r, { assign: 'TypeError', define: 'TypeError', reflectSet: 'TypeError', proxy: 'TypeError', same: true });
    });
    it(`still refuses reads of the secret and writes to the lakehouse after trying to replace ${t}`, () => {
      assert.deepEqual(out.results[`${t}: then`], { readSync: 'EACCES', readPromise: 'EACCES', readCallback: 'EACCES', writeSync: 'EACCES', copy: 'EACCES' });
    });
  }
  it('changes nothing under data/, never shows the secret, and reports every refusal', () => {
    dataUnchanged(ws.dir, data);
    assert.ok(!out.run.stdout.includes('s3cr3t'));
    const d = denials(out.run);
    assert.ok(d.filter((m) => m.op === 'read' && m.path === 'secrets/token.txt').length >= (targets.length + frozen.length) * 3 + watched.length);
    assert.ok(d.filter((m) => m.op === 'write').length >= (targets.length + frozen.length) * 2 + watched.length);
    // The refusals while a watched intrinsic was replaced say why.
    assert.ok(
      d.some((m) => /Array\.prototype\.constructor was replaced/.test(m.reason)),
      JSON.stringify(d.slice(-5)),
    );
  });
});

describe('objects the guard receives and Object.prototype pollution cannot make the guard and Node disagree', () => {
  let ws: { dir: string; cleanup: () => void };
  let out: { run: GuardedRun; results: Record<string, unknown> };
  let data: Map<string, string>;
  const runId = 'received';
  before(async () => {
    ws = makeWorkspace();
    data = snapshotTree(path.join(ws.dir, 'data'));
    out = await sleeve(
      ws.dir,
      runId,
      `
const LAKE = path.resolve(L);
const SECRET_ABS = path.resolve(SECRET);
const lake = fs.readFileSync(L, 'utf8');
const plant = (target, key, values) => {
  let n = 0;
  // With a setter as pollution usually has: Node's streams assign this.flags.
  Object.defineProperty(target, key, {
    configurable: true,
    get: () => values[Math.min(n++, values.length - 1)],
    set(v) { Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true }); },
  });
  return () => delete target[key];
};
// --- Object.prototype getters that answer the guard one thing and Node another ---
for (const [form, run] of [
  ['readFileSync', (o) => fs.readFileSync(LAKE, o)],
  ['readFile callback', (o) => cb((k) => fs.readFile(LAKE, o, k))],
  ['promises.readFile', (o) => fsp.readFile(LAKE, o)],
]) {
  await attempt('Object.prototype.flag answers "r" then "w": ' + form, async () => {
    const undo = plant(Object.prototype, 'flag', ['r', 'w']);
    try { await run({}); } finally { undo(); }
  });
  await attempt('Object.prototype.flag answers "w" then "r": ' + form, async () => {
    const undo = plant(Object.prototype, 'flag', ['w', 'r']);
    try { await run({}); } finally { undo(); }
  });
}
await attempt('Object.prototype.flags answers "r" then "r+": createReadStream with options', async () => {
  const undo = plant(Object.prototype, 'flags', ['r', 'r+']);
  try { await drain(fs.createReadStream(LAKE, {})); } finally { undo(); }
});
await attempt('Object.prototype.flags answers "w": createReadStream without options', async () => {
  const undo = plant(Object.prototype, 'flags', ['w']);
  try { await drain(fs.createReadStream(LAKE)); } finally { undo(); }
});
await attempt('an own flag getter on the options object answers "r" then "w"', () => {
  let n = 0;
  fs.readFileSync(LAKE, { get flag() { return n++ ? 'w' : 'r'; } });
});
await attempt('Object.prototype.encoding and recursive getters do not break reads and mkdir', () => {
  const a = plant(Object.prototype, 'encoding', ['utf8']);
  const b = plant(Object.prototype, 'recursive', [true]);
  try {
    if (fs.readFileSync(LAKE, {}) !== lake) throw new Error('encoding not seen');
    fs.mkdirSync(RUN + '/deep/er', {});
  } finally { a(); b(); }
});
// --- getters Node's fs runs after the decision: String.prototype.href ---
for (const [where, plantHref] of [
  ['String.prototype', (get) => Object.defineProperty(String.prototype, 'href', { configurable: true, get })],
  ['Object.prototype', (get) => Object.defineProperty(Object.prototype, 'href', { configurable: true, get })],
  ['a Proxy prototype of String.prototype', (get) => Object.setPrototypeOf(String.prototype, new Proxy(Object.prototype, { get: (t, k, r) => (k === 'href' ? get() : Reflect.get(t, k, r)) }))],
]) {
  await attempt('an href getter on ' + where + ' swaps the decided file for a symlink to the lakehouse', () => {
    const target = RUN + '/href.txt';
    fs.rmSync(target, { force: true });
    fs.writeFileSync(target, 'innocent\\n');
    let swapped = false;
    plantHref(() => {
      if (!swapped) { swapped = true; fs.unlinkSync(target); fs.symlinkSync(LAKE, target); }
      return undefined;
    });
    try { fs.writeFileSync(target, 'poisoned through an href getter\\n'); }
    finally { delete String.prototype.href; delete Object.prototype.href; Object.setPrototypeOf(String.prototype, Object.prototype); }
  });
}
await attempt('reads work again once the href getter is gone', () => { fs.readFileSync(L); });
// --- path-likes, URL-likes and typed-array subclasses ---
await attempt('a path-like object with toString and valueOf naming the secret', () => fs.readFileSync({ toString: () => SECRET_ABS, valueOf: () => SECRET_ABS }, 'utf8'));
await attempt('a URL-like object naming the secret', () => fs.readFileSync({ href: 'file://' + SECRET_ABS, protocol: 'file:', hostname: '', pathname: SECRET_ABS }, 'utf8'));
await attempt('URL[Symbol.hasInstance] says yes to a URL-like object naming the secret', () => {
  Object.defineProperty(URL, Symbol.hasInstance, { configurable: true, value: () => true });
  try { return fs.readFileSync({ href: 'file://' + SECRET_ABS, protocol: 'file:', hostname: '', pathname: SECRET_ABS }, 'utf8'); }
  finally { delete URL[Symbol.hasInstance]; }
});
await attempt('a URL whose pathname getter names the lakehouse once, then the secret', () => {
  const d = Object.getOwnPropertyDescriptor(URL.prototype, 'pathname');
  let n = 0;
  Object.defineProperty(URL.prototype, 'pathname', { configurable: true, get() { return n++ === 0 ? LAKE : SECRET_ABS; } });
  try { const t = fs.readFileSync(new URL('file://' + LAKE), 'utf8'); return t === lake ? 'lake' : 'other'; }
  finally { Object.defineProperty(URL.prototype, 'pathname', d); }
});
await attempt('a Uint8Array subclass whose buffer getter names the lakehouse once, then the secret', () => {
  const lakeBytes = new TextEncoder().encode(LAKE);
  const secretBytes = new TextEncoder().encode(SECRET_ABS.padEnd(LAKE.length, '/'));
  let n = 0;
  class Sly extends Uint8Array { get buffer() { return n++ === 0 ? lakeBytes.buffer : secretBytes.buffer; } }
  const t = fs.readFileSync(new Sly(lakeBytes), 'utf8');
  return t === lake ? 'lake' : 'other';
});
await attempt('a Buffer path with its own toString naming the secret', () => {
  const b = Buffer.from(LAKE);
  b.toString = () => SECRET_ABS;
  const t = fs.readFileSync(b, 'utf8');
  return t === lake ? 'lake' : 'other';
});
// --- hooks a decision or a report would reach: symbol hooks on strings, index accessors, toJSON, accessors ---
await attempt('an index accessor on Array.prototype answers the lakehouse to the guard and the secret to Node', () => {
  let n = 0;
  Object.defineProperty(Array.prototype, '0', { configurable: true, get: () => (n++ === 0 ? L : SECRET), set() {} });
  let t;
  try { t = fs.readFileSync(L, 'utf8'); } finally { delete Array.prototype[0]; }
  return t === lake ? 'lake' : 'other';
});
await attempt('index accessors on Array.prototype answer a run-dir name to the guard and a lakehouse one to Node (a relative write)', () => {
  const mine = RUN + '/accessor.csv';
  const theirs = 'data/lakehouse/accessor.csv';
  let n = 0;
  for (const i of ['0', '1', '2']) {
    Object.defineProperty(Array.prototype, i, { configurable: true, get: () => (i === '0' ? (n++ === 0 ? mine : theirs) : undefined), set() {} });
  }
  try { fs.writeFileSync(mine, 'planted'); } finally { for (const i of ['0', '1', '2']) delete Array.prototype[i]; }
  return fs.existsSync(theirs) ? 'lakehouse written' : fs.readFileSync(mine, 'utf8');
});
for (const [how, plantSplit] of [
  ['assigned on String.prototype', (f) => { String.prototype[Symbol.split] = f; }],
  ['defined on String.prototype', (f) => Object.defineProperty(String.prototype, Symbol.split, { configurable: true, value: f })],
  ['defined on Object.prototype', (f) => Object.defineProperty(Object.prototype, Symbol.split, { configurable: true, value: f })],
]) {
  await attempt('Symbol.split ' + how + ' answers the parts of a run-dir path: write a new lakehouse file', () => {
    const fake = path.resolve(RUN, 'new.csv').split('/');
    let planted = false;
    try {
      plantSplit(function split() { return fake.slice(); });
      planted = true;
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
    }
    try { fs.writeFileSync('data/lakehouse/new.csv', 'planted\\n'); }
    finally { delete Object.prototype[Symbol.split]; delete String.prototype[Symbol.split]; }
    return planted ? 'planted and written' : 'written';
  });
}
await attempt('Object.prototype.toJSON runs no sleeve code inside the report of an allowed write', () => {
  const target = RUN + '/json.txt';
  fs.writeFileSync(target, 'innocent\\n');
  let calls = 0;
  Object.defineProperty(Object.prototype, 'toJSON', { configurable: true, writable: true, value() {
    calls++;
    fs.unlinkSync(target);
    fs.symlinkSync(LAKE, target);
    return { t: 'writes', paths: [] };
  } });
  try { fs.writeFileSync(RUN + '/json2.txt', 'second\\n'); } finally { delete Object.prototype.toJSON; }
  return calls === 0 && !fs.lstatSync(target).isSymbolicLink() ? 'not called' : 'called ' + calls;
});
for (const [label, home, key] of [
  ['Set.prototype.size', Set.prototype, 'size'],
  ['Map.prototype.size', Map.prototype, 'size'],
  ['RegExp.prototype.flags', RegExp.prototype, 'flags'],
  ['%TypedArray%.prototype.length', Object.getPrototypeOf(Uint8Array.prototype), 'length'],
  ['Buffer.prototype.utf8Write', Buffer.prototype, 'utf8Write'],
  ['String.prototype.charCodeAt', String.prototype, 'charCodeAt'],
  // Shadowing from an extensible prototype in between: Buffer.prototype -> Uint8Array.prototype -> %TypedArray%.prototype.
  ['Buffer.prototype.length', Buffer.prototype, 'length'],
  ['Uint8Array.prototype.length', Uint8Array.prototype, 'length'],
  ['Buffer.prototype.join', Buffer.prototype, 'join'],
]) {
  await attempt('redefining the accessor or method ' + label, () => {
    try { Object.defineProperty(home, key, { configurable: true, get: () => 0 }); } catch (e) { return e instanceof TypeError ? 'TypeError' : String(e); }
    return 'redefined';
  });
}
await attempt('writev buffers in an array with an index getter', () => {
  const fd = fs.openSync(RUN + '/v.txt', 'w');
  let n = 0;
  const bufs = [Buffer.from('a')];
  Object.defineProperty(bufs, 1, { enumerable: true, get: () => (n++ === 0 ? Buffer.from('b') : Buffer.from('X')) });
  try { fs.writevSync(fd, bufs); } finally { fs.closeSync(fd); }
  return fs.readFileSync(RUN + '/v.txt', 'utf8');
});
`,
    );
  });
  after(() => ws.cleanup());

  it('runs every attempt and exits cleanly', () => {
    assert.equal(out.run.code, 0, out.run.stderr);
  });
  it('decides an inherited flag on the value Node reads: "r" then "w" reads, "w" then "r" is refused as a write', () => {
    for (const form of ['readFileSync', 'readFile callback', 'promises.readFile']) {
      assert.equal(out.results[`Object.prototype.flag answers "r" then "w": ${form}`], 'ok', form);
      assert.equal(out.results[`Object.prototype.flag answers "w" then "r": ${form}`], 'EACCES', form);
    }
  });
  it('decides a stream on the flags Node opens it with', () => {
    assert.equal(out.results['Object.prototype.flags answers "r" then "r+": createReadStream with options'], 'ok');
    assert.equal(out.results['Object.prototype.flags answers "w": createReadStream without options'], 'EACCES');
    assert.equal(out.results['an own flag getter on the options object answers "r" then "w"'], 'ok');
    assert.equal(out.results['Object.prototype.encoding and recursive getters do not break reads and mkdir'], 'ok');
  });
  it('refuses every decision while an href getter could run inside Node after it, and only then', () => {
    for (const where of ['String.prototype', 'Object.prototype', 'a Proxy prototype of String.prototype']) {
      const name = `an href getter on ${where} swaps the decided file for a symlink to the lakehouse`;
      assert.equal(out.results[name], 'EACCES', `${name} -> ${String(out.results[name])}`);
    }
    assert.equal(out.results['reads work again once the href getter is gone'], 'ok');
    assert.ok(denials(out.run).some((m) => m.reason.includes('String.prototype.href is defined')));
  });
  it('never lets a path-like, URL-like or typed-array lie reach a file the guard did not decide', () => {
    assert.equal(out.results['a path-like object with toString and valueOf naming the secret'], 'EACCES');
    assert.equal(out.results['a URL-like object naming the secret'], 'EACCES');
    assert.equal(out.results['URL[Symbol.hasInstance] says yes to a URL-like object naming the secret'], 'EACCES');
    assert.equal(out.results['a URL whose pathname getter names the lakehouse once, then the secret'], 'lake');
    // Its two readings of the bytes disagree: refused as a path that cannot be read safely.
    assert.equal(out.results['a Uint8Array subclass whose buffer getter names the lakehouse once, then the secret'], 'EACCES');
    assert.equal(out.results['a Buffer path with its own toString naming the secret'], 'lake');
    assert.equal(out.results['writev buffers in an array with an index getter'], 'ab');
    assert.equal(out.results['an index accessor on Array.prototype answers the lakehouse to the guard and the secret to Node'], 'lake');
    assert.equal(
      out.results['index accessors on Array.prototype answer a run-dir name to the guard and a lakehouse one to Node (a relative write)'],
      'planted',
    );
    assert.ok(!fs.existsSync(path.join(ws.dir, 'data/lakehouse/accessor.csv')));
  });
  it('never lets a planted Symbol.split steer how the engine splits a path', () => {
    for (const how of ['assigned on String.prototype', 'defined on String.prototype', 'defined on Object.prototype']) {
      const name = `Symbol.split ${how} answers the parts of a run-dir path: write a new lakehouse file`;
      assert.equal(out.results[name], 'EACCES', `${name} -> ${String(out.results[name])}`);
    }
    assert.ok(!fs.existsSync(path.join(ws.dir, 'data/lakehouse/new.csv')));
  });
  it('reports from data without prototypes: a planted toJSON is never called and the write is reported', () => {
    assert.equal(out.results['Object.prototype.toJSON runs no sleeve code inside the report of an allowed write'], 'not called');
    const writes = out.run.messages.flatMap((m) => (m.t === 'writes' ? m.paths : []));
    assert.ok(writes.includes(path.join(ws.dir, 'runs', runId, 'json2.txt')), JSON.stringify(writes));
  });
  it('refuses to redefine the accessors and methods a decision or a report reaches indirectly', () => {
    for (const label of [
      'Set.prototype.size',
      'Map.prototype.size',
      '%TypedArray%.prototype.length',
      'Buffer.prototype.utf8Write',
      'String.prototype.charCodeAt',
      'Buffer.prototype.length',
      'Uint8Array.prototype.length',
      'Buffer.prototype.join',
    ]) {
      assert.equal(out.results[`redefining the accessor or method ${label}`], 'TypeError', label);
    }
    // Left to the sleeve with the rest of RegExp.prototype (sandbox/harden.ts): what decides never reads it,
    // and every attempt after this one (which leaves it redefined) is still decided as before.
    assert.equal(out.results['redefining the accessor or method RegExp.prototype.flags'], 'redefined');
  });
  it('changes nothing under data/ and never shows the secret', () => {
    dataUnchanged(ws.dir, data);
    assert.ok(!out.run.stdout.includes('s3cr3t'));
  });
});
