/**
 * The capability guard on its own (no Node permission flags): leaving the
 * process model and using the network are refused with EACCES under the
 * strict policy, whether the module came in by import (patched eagerly) or by
 * require (patched when loaded). A listener on 127.0.0.1 must receive nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GuardedRun, runGuarded } from '../helpers/guarded.js';
import { makeWorkspace } from '../helpers/tmp.js';

const PRELUDE = `
import { createRequire } from 'node:module';
import cp from 'node:child_process';
import wt from 'node:worker_threads';
import http from 'node:http';
const require = createRequire(import.meta.url);
const PORT = Number(process.env.PROBE_PORT);
const results = {};
async function attempt(name, fn) {
  try { await fn(); results[name] = 'ok'; }
  catch (e) { results[name] = e && e.code === 'EACCES' && e.sleeveSandbox ? 'EACCES' : String(e && (e.code || e.message)); }
}
`;

const CASES: Record<string, string> = {
  'child_process.spawnSync (import)': 'cp.spawnSync("/bin/true")',
  'child_process.execSync (import)': 'cp.execSync("true")',
  'child_process.fork (import)': 'cp.fork("x.js")',
  'child_process.exec (require)': 'require("child_process").exec("true")',
  'cluster.fork (require)': 'require("cluster").fork()',
  'worker_threads.Worker (import)': 'new wt.Worker("1", { eval: true })',
  'worker_threads.Worker with execArgv [] (require)': 'new (require("node:worker_threads").Worker)("1", { eval: true, execArgv: [] })',
  'net.connect': 'await new Promise((res, rej) => { const s = require("net").connect(PORT, "127.0.0.1"); s.on("connect", res); s.on("error", rej); })',
  'new net.Socket().connect':
    'await new Promise((res, rej) => { const s = new (require("net").Socket)(); s.on("error", rej); s.connect(PORT, "127.0.0.1", res); })',
  'net.createServer().listen': 'require("net").createServer().listen(0)',
  'http.get (import)': 'await new Promise((res, rej) => http.get("http://127.0.0.1:" + PORT, res).on("error", rej))',
  'https.request (require)': 'require("https").request("https://127.0.0.1:" + PORT)',
  'tls.connect (require)': 'require("tls").connect(PORT, "127.0.0.1")',
  fetch: 'await fetch("http://127.0.0.1:" + PORT)',
  'dns.lookup (require)': 'await new Promise((res, rej) => require("dns").lookup("localhost", (e) => (e ? rej(e) : res())))',
  'dns.promises.resolve4 (require)': 'await require("dns").promises.resolve4("localhost")',
  'dgram.createSocket (require)': 'require("dgram").createSocket("udp4")',
  'process.binding fs': 'process.binding("fs")',
  'process._linkedBinding': 'process._linkedBinding("x")',
  'process.dlopen': 'process.dlopen({ exports: {} }, "/nonexistent.node")',
  'inspector.open (require)': 'require("inspector").open(0)',
  'inspector Session.connect (require)': 'new (require("inspector").Session)().connect()',
  'wasi.WASI (require)': 'new (require("wasi").WASI)({ version: "preview1" })',
  'trace_events.createTracing (require)': 'require("trace_events").createTracing({ categories: ["node"] })',
  'v8.writeHeapSnapshot at the workspace root (require)': 'require("v8").writeHeapSnapshot("heap.heapsnapshot")',
  'process.report.writeReport at the workspace root': 'process.report.writeReport("report.json")',
  'process.report.writeReport without a file name': 'process.report.writeReport()',
  'process.kill of the parent': 'process.kill(process.ppid, 0)',
  'replacing process.report first': 'try { process.report = { writeReport() {} }; } catch {} process.report.writeReport()',
};
const ALLOWED: Record<string, string> = {
  'process.kill of itself with signal 0': 'process.kill(process.pid, 0)',
  'v8.writeHeapSnapshot is allowed into the own run dir only by path':
    'if (typeof require("v8").getHeapStatistics !== "function") throw new Error("v8 broken")',
  'process.report.getReport': 'process.report.getReport()',
};

describe('the capability guard alone, under the strict policy', () => {
  let ws: { dir: string; cleanup: () => void };
  let run: GuardedRun;
  let results: Record<string, string>;
  let connections = 0;
  let server: net.Server;
  before(async () => {
    ws = makeWorkspace();
    server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const body = [...Object.entries(CASES), ...Object.entries(ALLOWED)]
      .map(([name, code]) => `await attempt(${JSON.stringify(name)}, async () => { ${code} });`)
      .join('\n');
    run = await runGuarded({
      workspace: ws.dir,
      runId: 'c1',
      source: `${PRELUDE}\n${body}\nprocess.stdout.write(JSON.stringify(results));\n`,
      builtins: ['child_process', 'worker_threads', 'http', 'module'],
      env: { PROBE_PORT: String(port) },
    });
    results = JSON.parse(run.stdout || '{}') as Record<string, string>;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    ws.cleanup();
  });

  it('runs every attempt and exits cleanly', () => {
    assert.equal(run.code, 0, run.stderr);
  });
  for (const name of Object.keys(CASES)) {
    it(`refuses with EACCES: ${name}`, () => assert.equal(results[name], 'EACCES', `${name} -> ${results[name]}`));
  }
  for (const name of Object.keys(ALLOWED)) {
    it(`lets through: ${name}`, () => assert.equal(results[name], 'ok', `${name} -> ${results[name]}`));
  }
  it('lets nothing reach the listener on 127.0.0.1', () => assert.equal(connections, 0));
  it('writes no report or heap snapshot into the workspace', () => {
    assert.deepEqual(
      fs.readdirSync(ws.dir).filter((f) => /heapsnapshot|report/.test(f)),
      [],
    );
    assert.equal(fs.existsSync(path.join(ws.dir, 'report.json')), false);
  });
  it('reports each refusal with the policy key that decided', () => {
    const rules = new Set(run.messages.flatMap((m) => (m.t === 'deny' ? [m.rule] : [])));
    for (const rule of ['process.childProcess', 'process.workers', 'net', 'process.addons', 'sandbox']) assert.ok(rules.has(rule), rule);
  });
});

describe('the web globals that reach the network (fetch, WebSocket, EventSource)', () => {
  const lws = makeWorkspace();
  after(() => lws.cleanup());
  it('are replaced without loading undici (Node 22/24 define them lazily), stay refused, and cannot be deleted back', async () => {
    const run = await runGuarded({
      workspace: lws.dir,
      runId: 'lazy',
      source: [
        "const out = { undici: process.moduleLoadList.some((m) => m.includes('undici')) };",
        "for (const g of ['fetch', 'WebSocket', 'EventSource']) {",
        "  if (!(g in globalThis)) { out[g] = 'absent'; continue; }",
        '  const deleted = Reflect.deleteProperty(globalThis, g);',
        "  try { g === 'fetch' ? await fetch('http://127.0.0.1:9') : new globalThis[g]('ws://127.0.0.1:9'); out[g] = 'ok'; }",
        "  catch (e) { out[g] = (e && e.code === 'EACCES' && e.sleeveSandbox ? 'EACCES' : String(e && (e.code || e.message))) + (deleted ? ' deleted' : ''); }",
        '}',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, string | boolean>;
    assert.equal(out.undici, false, 'the guard loaded undici to replace a lazy global');
    assert.equal(out.fetch, 'EACCES');
    for (const g of ['WebSocket', 'EventSource']) assert.ok(out[g] === 'EACCES' || out[g] === 'absent', `${g}: ${out[g]}`);
  });
});

describe('process.binding feature probes (lodash, safer-buffer)', () => {
  const pws = makeWorkspace();
  after(() => pws.cleanup());
  let probe: GuardedRun;
  before(async () => {
    probe = await runGuarded({
      workspace: pws.dir,
      runId: 'probe',
      source: [
        'const out = {};',
        'for (const name of ["util", "buffer", "fs", "spawn_sync"]) {',
        '  try { process.binding(name); out[name] = "ok"; } catch (e) { out[name] = e.code; }',
        '}',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    });
  });
  it("refuses 'util' and 'buffer' as Node's permission model does, without a denial", () => {
    assert.equal(probe.code, 0, probe.stderr);
    assert.deepEqual(JSON.parse(probe.stdout.trim()), { util: 'ERR_ACCESS_DENIED', buffer: 'ERR_ACCESS_DENIED', fs: 'EACCES', spawn_sync: 'EACCES' });
  });
  it('reports every other binding as a denial', () => {
    const denied = probe.messages.filter((m) => m.t === 'deny').map((m) => (m as { syscall: string }).syscall);
    assert.deepEqual(denied, ['process.binding', 'process.binding']);
  });
});
