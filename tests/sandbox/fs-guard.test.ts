/**
 * The fs guard on its own (no Node permission flags): the same cases over
 * the sync, callback, promise and FileHandle forms of the API, in a real
 * sleeve process on real files. Every refusal must be an EACCES naming the
 * rule, reach the runner's channel, and change nothing on disk.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DenyMessage } from '../../sandbox/protocol.js';
import { type GuardedRun, runGuarded } from '../helpers/guarded.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      out[path.relative(dir, p)] =
        `${st.mode}:${st.size}:${st.mtimeMs}:${st.nlink}:${e.isSymbolicLink() ? fs.readlinkSync(p) : e.isFile() ? fs.readFileSync(p, 'utf8') : 'dir'}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** The sleeve: runs named attempts, prints { name: "ok" | code } as JSON. */
const PRELUDE = `
import fs from 'node:fs';
import fsp from 'node:fs/promises';
const L = 'data/lakehouse/AAPL.csv';
const FALLBACK = 'data/lakehouse/portfolio_candidates.json';
const RUN = process.env.SLEEVE_RUN_DIR_REL;
const results = {};
const cb = (fn) => new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
const stream = (s) => new Promise((resolve, reject) => { s.on('error', reject); s.on('open', () => { s.destroy(); resolve(); }); });
async function attempt(name, fn) {
  try { await fn(); results[name] = 'ok'; }
  catch (e) { results[name] = e && e.code === 'EACCES' && e.sleeveSandbox ? 'EACCES' : String(e && (e.code || e.message)); }
}
`;

describe('the fs guard alone, across sync, callback, promise and FileHandle forms', () => {
  let ws: { dir: string; cleanup: () => void };
  let run: GuardedRun;
  let results: Record<string, string>;
  let before_: Record<string, string>;
  let after_: Record<string, string>;
  const runId = 'g1';
  const denied: Record<string, string> = {
    // writes into the lakehouse
    'writeFileSync lakehouse': 'fs.writeFileSync(L, "x")',
    'writeFile callback lakehouse': 'await cb((k) => fs.writeFile(L, "x", k))',
    'promises.writeFile lakehouse': 'await fsp.writeFile(L, "x")',
    'appendFileSync lakehouse': 'fs.appendFileSync(L, "x")',
    'appendFile callback lakehouse': 'await cb((k) => fs.appendFile(L, "x", k))',
    'promises.appendFile lakehouse': 'await fsp.appendFile(L, "x")',
    'truncateSync lakehouse': 'fs.truncateSync(L, 0)',
    'truncate callback lakehouse': 'await cb((k) => fs.truncate(L, 0, k))',
    'promises.truncate lakehouse': 'await fsp.truncate(L, 0)',
    'chmodSync lakehouse': 'fs.chmodSync(L, 0o777)',
    'chmod callback lakehouse': 'await cb((k) => fs.chmod(L, 0o777, k))',
    'promises.chmod lakehouse': 'await fsp.chmod(L, 0o777)',
    'chownSync lakehouse': 'fs.chownSync(L, 1, 1)',
    'promises.lchown lakehouse': 'await fsp.lchown(L, 1, 1)',
    'utimesSync lakehouse': 'fs.utimesSync(L, 1, 1)',
    'lutimes callback lakehouse': 'await cb((k) => fs.lutimes(L, 1, 1, k))',
    'promises.utimes lakehouse': 'await fsp.utimes(L, 1, 1)',
    'openSync w lakehouse': 'fs.openSync(L, "w")',
    'openSync a lakehouse': 'fs.openSync(L, "a")',
    'openSync r+ lakehouse': 'fs.openSync(L, "r+")',
    'openSync O_CREAT lakehouse': 'fs.openSync("data/lakehouse/new.csv", fs.constants.O_CREAT | fs.constants.O_RDONLY)',
    'openSync O_TRUNC lakehouse': 'fs.openSync(L, fs.constants.O_TRUNC | fs.constants.O_RDONLY)',
    'open callback w lakehouse': 'await cb((k) => fs.open(L, "w", k))',
    'promises.open w lakehouse': 'await fsp.open(L, "w")',
    'createWriteStream lakehouse': 'await stream(fs.createWriteStream(L))',
    'createWriteStream r+ lakehouse': 'await stream(fs.createWriteStream(L, { flags: "r+" }))',
    'copyFileSync into lakehouse': 'fs.copyFileSync(RUN + "/mine.txt", "data/lakehouse/copy.csv")',
    'promises.copyFile into lakehouse': 'await fsp.copyFile(RUN + "/mine.txt", "data/lakehouse/copy.csv")',
    'cpSync into lakehouse': 'fs.cpSync(RUN, "data/lakehouse/runcopy", { recursive: true })',
    'renameSync lakehouse into run dir': 'fs.renameSync(L, RUN + "/stolen.csv")',
    'rename callback run file into lakehouse': 'await cb((k) => fs.rename(RUN + "/mine.txt", "data/lakehouse/planted.csv", k))',
    'unlinkSync lakehouse': 'fs.unlinkSync(L)',
    'promises.rm lakehouse': 'await fsp.rm("data/lakehouse/ohlcv", { recursive: true })',
    'rmdir callback lakehouse': 'await cb((k) => fs.rmdir("data/lakehouse/ohlcv", k))',
    'mkdirSync lakehouse': 'fs.mkdirSync("data/lakehouse/newdir")',
    'promises.mkdtemp lakehouse': 'await fsp.mkdtemp("data/lakehouse/tmp-")',
    'linkSync lakehouse into run dir': 'fs.linkSync(L, RUN + "/alias.csv")',
    'symlinkSync in lakehouse': 'fs.symlinkSync("AAPL.csv", "data/lakehouse/link.csv")',
    'promises.symlink run link to fallback': 'await fsp.symlink("../../data/lakehouse/portfolio_candidates.json", RUN + "/cands.json")',
    'write through pre-placed symlink': 'fs.writeFileSync(RUN + "/pre-link.csv", "x")',
    'write to pre-placed hard link': 'fs.writeFileSync(RUN + "/pre-hard.csv", "x")',
    'FileHandle r then write': 'const h = await fsp.open(L, "r"); try { await h.write("x"); } finally { await h.close(); }',
    'FileHandle r then chmod': 'const h = await fsp.open(L, "r"); try { await h.chmod(0o777); } finally { await h.close(); }',
    'FileHandle r then utimes': 'const h = await fsp.open(L, "r"); try { await h.utimes(1, 1); } finally { await h.close(); }',
    'FileHandle r then truncate': 'const h = await fsp.open(L, "r"); try { await h.truncate(0); } finally { await h.close(); }',
    'fchmodSync on a read-only fd': 'const fd = fs.openSync(L, "r"); try { fs.fchmodSync(fd, 0o777); } finally { fs.closeSync(fd); }',
    'futimes callback on a read-only fd': 'const fd = fs.openSync(L, "r"); try { await cb((k) => fs.futimes(fd, 1, 1, k)); } finally { fs.closeSync(fd); }',
    'writeSync to the report pipe': 'fs.writeSync(3, "{\\"t\\":\\"writes\\",\\"paths\\":[\\"/etc/passwd\\"]}\\n")',
    'write to the workspace root': 'fs.writeFileSync("root.txt", "x")',
    'write to /tmp': 'fs.writeFileSync("/tmp/sleeve-sandbox-escape.txt", "x")',
    'write through ..': 'fs.writeFileSync(RUN + "/../../data/lakehouse/dots.csv", "x")',
    // reads of the fallback and of secrets
    'readFileSync fallback': 'fs.readFileSync(FALLBACK)',
    'readFile callback fallback': 'await cb((k) => fs.readFile(FALLBACK, k))',
    'promises.readFile fallback': 'await fsp.readFile(FALLBACK)',
    'openSync r fallback': 'fs.openSync(FALLBACK, "r")',
    'promises.open fallback': 'await fsp.open(FALLBACK)',
    'createReadStream fallback': 'await stream(fs.createReadStream(FALLBACK))',
    'copyFileSync fallback into run dir': 'fs.copyFileSync(FALLBACK, RUN + "/cands.json")',
    'cpSync lakehouse into run dir': 'fs.cpSync("data/lakehouse", RUN + "/lake", { recursive: true })',
    'promises.cp lakehouse into run dir': 'await fsp.cp("data/lakehouse", RUN + "/lake2", { recursive: true })',
    'readFileSync file: URL': 'fs.readFileSync(new URL("file://" + process.cwd() + "/" + FALLBACK))',
    'readFileSync Buffer path': 'fs.readFileSync(Buffer.from(FALLBACK))',
    'readFileSync Uint8Array path': 'fs.readFileSync(new TextEncoder().encode(FALLBACK))',
    'readFileSync .. spelling': 'fs.readFileSync(RUN + "/../../" + FALLBACK)',
    'readFileSync double slash': 'fs.readFileSync("data//lakehouse//portfolio_candidates.json")',
    'readFileSync /proc/self/cwd': 'fs.readFileSync("/proc/self/cwd/" + FALLBACK)',
    'readFileSync through pre-placed symlink': 'fs.readFileSync(RUN + "/pre-cands.json")',
    'realpathSync.native fallback': 'fs.realpathSync.native(FALLBACK)',
    'accessSync fallback': 'fs.accessSync(FALLBACK)',
    'readFileSync secret': 'fs.readFileSync("secrets/token.txt")',
    'readdirSync runs': 'fs.readdirSync("runs")',
    'readFileSync other run dir': 'fs.readFileSync("runs/other/theirs.txt")',
    'watch fallback': 'fs.watch(FALLBACK).close()',
    'statSync secret': 'fs.statSync("secrets/token.txt")',
    // An object path is always decided (Node reads a URL-like object as a file: URL itself).
    'readFileSync of a URL-like object naming the secret':
      'fs.readFileSync({ href: "file:///x", protocol: "file:", hostname: "", pathname: process.cwd() + "/secrets/token.txt" })',
    // Node's JS realpath takes any value as a path: a value of no path type is decided there, never left to Node.
    'realpathSync of undefined (Node would resolve "<cwd>/undefined")': 'fs.realpathSync(undefined)',
    'realpath callback of true': 'await cb((k) => fs.realpath(true, k))',
    // A non-path first argument is left to Node only when no descriptor is given instead.
    'createWriteStream of a non-path with a read-only fd':
      'const fd = fs.openSync(L, "r"); try { await stream(fs.createWriteStream(5, { fd })); } finally { fs.closeSync(fd); }',
  };
  const allowed: Record<string, string> = {
    'writeFileSync own run dir': 'fs.writeFileSync(RUN + "/a.txt", "x")',
    'writeFile callback own run dir': 'await cb((k) => fs.writeFile(RUN + "/b.txt", "x", k))',
    'promises.writeFile own run dir': 'await fsp.writeFile(RUN + "/c.txt", "x")',
    'FileHandle w then write and chmod':
      'const h = await fsp.open(RUN + "/d.txt", "w"); try { await h.write("x"); await h.chmod(0o600); } finally { await h.close(); }',
    'createWriteStream own run dir': 'await stream(fs.createWriteStream(RUN + "/e.txt"))',
    'writevSync, writev and FileHandle.writev of several buffers':
      'const fd = fs.openSync(RUN + "/v.txt", "w"); fs.writevSync(fd, [Buffer.from("a"), Buffer.from("b")]); await cb((k) => fs.writev(fd, [Buffer.from("c"), Buffer.from("d")], k)); fs.closeSync(fd); const h = await fsp.open(RUN + "/v.txt", "a"); try { await h.writev([Buffer.from("e"), Buffer.from("f")]); } finally { await h.close(); } if (fs.readFileSync(RUN + "/v.txt", "utf8") !== "abcdef") throw new Error("wrong content")',
    'a corked write stream (it flushes with writev)':
      'const s = fs.createWriteStream(RUN + "/w.txt"); s.cork(); s.write("1"); s.write("2"); process.nextTick(() => s.uncork()); s.end("3"); await new Promise((r, j) => { s.on("finish", r); s.on("error", j); }); if (fs.readFileSync(RUN + "/w.txt", "utf8") !== "123") throw new Error("wrong content")',
    'mkdirSync recursive own run dir': 'fs.mkdirSync(RUN + "/x/y/z", { recursive: true })',
    // The options copy inherits nothing: Node cannot read a "w" the guard never saw.
    'promises.readFile lakehouse with a flag getter planted on Object.prototype':
      'let n = 0; Object.defineProperty(Object.prototype, "flag", { configurable: true, get() { return n++ < 2 ? "r" : "w"; } }); try { await fsp.readFile(L, {}); } finally { delete Object.prototype.flag; } if (fs.readFileSync(L, "utf8") === "") throw new Error("truncated")',
    'cpSync within own run dir': 'fs.cpSync(RUN + "/x", RUN + "/x2", { recursive: true })',
    'readFileSync lakehouse': 'fs.readFileSync(L)',
    'promises.readFile nested lakehouse': 'await fsp.readFile("data/lakehouse/ohlcv/SPY.csv")',
    'readdirSync lakehouse': 'fs.readdirSync("data/lakehouse")',
    'existsSync fallback is false': 'if (fs.existsSync(FALLBACK) !== false) throw new Error("existsSync leaked")',
    'symlink in run dir to a readable file, read through it': 'fs.symlinkSync("../../" + L, RUN + "/ok-link.csv"); fs.readFileSync(RUN + "/ok-link.csv")',
    'writeSync to stdout': 'fs.writeSync(1, "")',
    'wrappers cannot be replaced':
      'try { fs.writeFileSync = () => {}; } catch {} if (Object.getOwnPropertyDescriptor(fs, "writeFileSync").configurable) throw new Error("configurable")',
    'wrappers cannot be deleted': 'try { delete fs.promises.writeFile; } catch {} if (typeof fsp.writeFile !== "function") throw new Error("deleted")',
  };

  before(async () => {
    ws = makeWorkspace();
    writeTree(ws.dir, { [`runs/${runId}/mine.txt`]: 'mine\n', 'runs/other/theirs.txt': 'theirs\n' });
    fs.symlinkSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), path.join(ws.dir, 'runs', runId, 'pre-link.csv'));
    fs.symlinkSync(path.join(ws.dir, 'data/lakehouse/portfolio_candidates.json'), path.join(ws.dir, 'runs', runId, 'pre-cands.json'));
    fs.linkSync(path.join(ws.dir, 'data/lakehouse/MSFT.csv'), path.join(ws.dir, 'runs', runId, 'pre-hard.csv'));
    before_ = snapshot(path.join(ws.dir, 'data'));
    const body = [...Object.entries(denied), ...Object.entries(allowed)]
      .map(([name, code]) => `await attempt(${JSON.stringify(name)}, async () => { ${code} });`)
      .join('\n');
    run = await runGuarded({
      workspace: ws.dir,
      runId,
      source: `${PRELUDE}\n${body}\nprocess.stdout.write(JSON.stringify(results));\n`,
      env: { SLEEVE_RUN_DIR_REL: `runs/${runId}` },
    });
    after_ = snapshot(path.join(ws.dir, 'data'));
    results = JSON.parse(run.stdout) as Record<string, string>;
  });
  after(() => ws.cleanup());

  it('runs every attempt and exits cleanly', () => {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(Object.keys(results).length, Object.keys(denied).length + Object.keys(allowed).length);
  });
  for (const name of Object.keys(denied)) {
    it(`refuses with EACCES: ${name}`, () => {
      assert.equal(results[name], 'EACCES', `${name} -> ${results[name]}`);
    });
  }
  for (const name of Object.keys(allowed)) {
    it(`lets through: ${name}`, () => {
      assert.equal(results[name], 'ok', `${name} -> ${results[name]}`);
    });
  }
  it('changes nothing under data/', () => {
    assert.deepEqual(after_, before_);
  });
  it('changes nothing outside the run dir', () => {
    assert.equal(fs.existsSync(path.join(ws.dir, 'root.txt')), false);
    assert.equal(fs.existsSync('/tmp/sleeve-sandbox-escape.txt'), false);
    assert.equal(fs.readFileSync(path.join(ws.dir, 'runs/other/theirs.txt'), 'utf8'), 'theirs\n');
    assert.equal(fs.existsSync(path.join(ws.dir, 'runs', runId, 'lake', 'portfolio_candidates.json')), false);
  });
  it('reports every refusal on the channel with the rule and reason', () => {
    const denies = run.messages.filter((m): m is DenyMessage => m.t === 'deny');
    const fallback = denies.find((d) => d.path === 'data/lakehouse/portfolio_candidates.json' && d.op === 'read');
    assert.equal(fallback?.rule, 'fs.read.deny "data/lakehouse/portfolio_candidates.json"');
    assert.match(fallback?.reason ?? '', /^strict isolation/);
    assert.ok(denies.some((d) => d.op === 'write' && d.path === 'data/lakehouse/AAPL.csv' && d.reason === 'no allow rule matches'));
    assert.ok(denies.some((d) => d.reason.includes('hard links')));
    assert.ok(denies.length >= Object.keys(denied).length, `${denies.length} denials for ${Object.keys(denied).length} refused attempts`);
  });
  it('reports allowed writes as real paths inside the run dir only', () => {
    const writes = run.messages.flatMap((m) => (m.t === 'writes' ? m.paths : []));
    assert.ok(writes.includes(path.join(ws.dir, 'runs', runId, 'a.txt')));
    for (const w of writes) assert.ok(w.startsWith(path.join(ws.dir, 'runs', runId)), w);
  });
});

describe("Node 24's mkdtempDisposable under the guard alone", {
  skip: typeof (fs as { mkdtempDisposableSync?: unknown }).mkdtempDisposableSync !== 'function' && 'Node < 24',
}, () => {
  it('refuses lakehouse prefixes, reports what it makes, and decides remove() where the path leads then', async () => {
    const ws = makeWorkspace();
    after(() => ws.cleanup());
    const runId = 'disposable';
    const source = `import fs from 'node:fs';
import path from 'node:path';
const run = process.env.SLEEVE_RUN_DIR;
const out = {};
const attempt = async (name, f) => { try { out[name] = await f(); } catch (e) { out[name] = e.code; } };
await attempt('sync lakehouse', () => fs.mkdtempDisposableSync('data/lakehouse/t-').path);
await attempt('promise lakehouse', async () => (await fs.promises.mkdtempDisposable('data/lakehouse/p-')).path);
await attempt('sync own', () => { const d = fs.mkdtempDisposableSync(run + '/own-'); const p = d.path; d[Symbol.dispose](); return fs.existsSync(p) ? 'kept' : 'ok'; });
await attempt('promise own', async () => { const d = await fs.promises.mkdtempDisposable(run + '/pown-'); const p = d.path; await d.remove(); return fs.existsSync(p) ? 'kept' : 'ok'; });
await attempt('remove through a re-pointed parent', () => {
  fs.mkdirSync(run + '/box');
  const d = fs.mkdtempDisposableSync(run + '/box/t-');
  fs.renameSync(run + '/box', run + '/box.old');
  fs.symlinkSync(path.resolve('data/lakehouse/ohlcv'), run + '/box');
  d.remove();
  return 'removed';
});
process.stdout.write(JSON.stringify(out));
`;
    const run = await runGuarded({ workspace: ws.dir, runId, source, env: { SLEEVE_RUN_DIR: path.join(ws.dir, 'runs', runId) } });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, string>;
    assert.deepEqual(out, {
      'sync lakehouse': 'EACCES',
      'promise lakehouse': 'EACCES',
      'sync own': 'ok',
      'promise own': 'ok',
      'remove through a re-pointed parent': 'EACCES',
    });
    assert.deepEqual(fs.readdirSync(path.join(ws.dir, 'data/lakehouse')).sort(), ['AAPL.csv', 'MSFT.csv', 'ohlcv', 'portfolio_candidates.json']);
    const writes = run.messages.flatMap((m) => (m.t === 'writes' ? m.paths : []));
    assert.ok(
      writes.some((w) => w.startsWith(path.join(ws.dir, 'runs', runId, 'own-'))),
      `the directory made is reported: ${JSON.stringify(writes)}`,
    );
  });
});
