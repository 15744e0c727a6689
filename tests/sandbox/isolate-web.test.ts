/**
 * The web platform of isolate mode, through the real isolate host (the real
 * bootstrap in a child process, modules compiled by compileIsolateModules):
 * each API is used by a sleeve and what it computes is compared with what
 * Node itself computes for the same input (the same module, imported here).
 * Timers run in order, between microtasks, and end at the timeout; an
 * uncaught error keeps its name, message and stack, mapped to the sleeve's
 * own TypeScript lines. Attacks: nothing of the host is reachable through
 * these APIs, and floods of timers or random requests are bounded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { compileIsolateModules } from '../../runner/batch/bundle.js';
import type { ExitMessage, LimitMessage, SandboxConfig } from '../../sandbox/protocol.js';
import { BOOTSTRAP, type GuardedRun, runBootstrap } from '../helpers/guarded.js';
import { makeTempDir, makeWorkspace, writeTree } from '../helpers/tmp.js';
import { isolatedVmStatus, requireIsolatedVm } from '../../runner/batch/isolated-vm.js';

// The isolated-vm line the runner picks for this node (5.0.4 on 20, isolated-vm-6 on 22 and 24).
const IVM = requireIsolatedVm(isolatedVmStatus(), 'tests/sandbox/isolate-web.test.ts');
const IVM_DIR = IVM.dir;

/**
 * One module both sides run: `compute()` uses every API and returns a JSON-able description.
 * What differs by nature (random bytes, clocks) is described by shape only.
 */
const COMPUTE = String.raw`
const bytes = (u8) => Array.from(u8);
const errorOf = (f) => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return { name: e.name, code: e.code ?? null, isError: e instanceof Error };
  }
};
const describeValue = (v, seen = new Map()) => {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return typeof v === 'bigint' ? v + 'n' : v;
  if (seen.has(v)) return '<cycle ' + seen.get(v) + '>';
  seen.set(v, seen.size);
  const tag = Object.prototype.toString.call(v);
  if (v instanceof Date) return [tag, v.toISOString()];
  if (v instanceof RegExp) return [tag, v.source, v.flags];
  if (v instanceof Map) return [tag, [...v].map(([k, x]) => [describeValue(k, seen), describeValue(x, seen)])];
  if (v instanceof Set) return [tag, [...v].map((x) => describeValue(x, seen))];
  if (ArrayBuffer.isView(v)) return [tag, v.byteOffset, v.byteLength, Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))];
  if (v instanceof ArrayBuffer) return [tag, Array.from(new Uint8Array(v))];
  if (v instanceof Error) return [tag, v.name, v.message, Object.getPrototypeOf(v) === RangeError.prototype];
  if (v instanceof Boolean || v instanceof Number || v instanceof String) return [tag, v.valueOf()];
  return [tag, Object.keys(v).map((k) => [k, describeValue(v[k], seen)])];
};

export function compute() {
  const o = {};
  // --- text encodings
  const enc = new TextEncoder();
  o.encode = bytes(enc.encode('héllo € 𝄞 \u{1F600}'));
  o.encodeLone = bytes(enc.encode('a\uD800b'));
  const into = new Uint8Array(5);
  o.encodeInto = [enc.encodeInto('€€', into), bytes(into)];
  o.encoding = [new TextDecoder().encoding, new TextDecoder('UTF8').encoding, new TextDecoder('unicode-1-1-utf-8').encoding, new TextDecoder('utf-16le').encoding];
  o.decode = new TextDecoder().decode(Uint8Array.of(0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e));
  o.replacement = new TextDecoder().decode(Uint8Array.of(0x61, 0xf0, 0x90, 0x80, 0x62, 0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x63, 0xe2, 0x82));
  o.fatal = [
    errorOf(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(0xff))),
    errorOf(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(0xed, 0xa0, 0x80))),
    errorOf(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(0xe2, 0x82))),
    new TextDecoder('utf-8', { fatal: true }).fatal,
  ];
  o.bom = [new TextDecoder().decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41)), new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))];
  const sd = new TextDecoder();
  o.stream = [sd.decode(Uint8Array.of(0x41, 0xe2, 0x82), { stream: true }), sd.decode(Uint8Array.of(0xac, 0xf0), { stream: true }), sd.decode(Uint8Array.of(0x9d), { stream: true }), sd.decode(Uint8Array.of(0x84, 0x9e), { stream: true }), sd.decode()];
  const cut = new TextDecoder();
  o.streamCut = [cut.decode(Uint8Array.of(0x41, 0xf0, 0x9d), { stream: true }), cut.decode()];
  const fatalStream = new TextDecoder('utf-8', { fatal: true });
  fatalStream.decode(Uint8Array.of(0xe2, 0x82), { stream: true });
  o.fatalStreamEnd = errorOf(() => fatalStream.decode());
  o.fatalStreamReuse = fatalStream.decode(Uint8Array.of(0x42));
  o.utf16 = new TextDecoder('utf-16le').decode(Uint8Array.of(0x68, 0x00, 0x3d, 0xd8, 0x00, 0xde));
  o.badLabel = errorOf(() => new TextDecoder('no-such-encoding'));
  o.decodeBuffer = new TextDecoder().decode(new Uint8Array([0x78, 0x79]).buffer);
  o.decodeView = new TextDecoder().decode(new DataView(Uint8Array.of(0x30, 0x31, 0x32).buffer, 1));

  // --- URL
  const u = new URL('https://user:pw@EXAMPLE.com:443/a/./b/../c%20d?x=1&y=2&x=3#frag');
  o.url = [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, String(u), u.toJSON()];
  o.urlParams = [u.searchParams.get('x'), u.searchParams.getAll('x'), u.searchParams.has('y'), [...u.searchParams.keys()]];
  u.searchParams.append('z', 'a b&c');
  u.searchParams.sort();
  o.urlAfterParams = u.href;
  u.pathname = '/new path';
  u.port = '8443';
  u.hash = '';
  o.urlSetters = u.href;
  o.relative = [new URL('../d?q#h', 'http://h/a/b/c').href, new URL('//other/x', 'https://h/').href, new URL('?only', 'http://h/p').href];
  o.idn = [new URL('https://münchen.de/').hostname, new URL('http://例え.jp').host, new URL('http://0x7f.1/').hostname, new URL('http://[::1]:80/').host, new URL('file:///C:/x/../y').href];
  o.badUrl = [errorOf(() => new URL('not a url')), errorOf(() => new URL('http://exa mple.com')), URL.canParse('x:y'), URL.canParse('/rel')];
  const sp = new URLSearchParams('a=1&b=2+3&c=%20%26&a=4');
  o.params = [sp.toString(), sp.get('b'), sp.get('c'), sp.getAll('a'), [...sp].length, sp.size];
  o.paramsInit = [new URLSearchParams({ k: 'v w', n: '1' }).toString(), new URLSearchParams([['x', 'ü']]).toString(), new URLSearchParams('?q=%zz').get('q')];

  // --- base64
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  o.b64 = [btoa('hello'), btoa(''), btoa('a'), btoa('ab'), atob(' aGVs\nbG8= '), atob('YQ'), atob(btoa(all)) === all, btoa(all)];
  o.b64Errors = [errorOf(() => atob('a')), errorOf(() => atob('aGk=a')), errorOf(() => atob('a===')), errorOf(() => btoa('€')), errorOf(() => atob('aGk*'))];

  // --- structuredClone
  const shared = new ArrayBuffer(8);
  new Uint8Array(shared).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const source = {
    n: 1, s: 'x', b: true, u: undefined, nul: null, big: 12n,
    date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    re: /ab+c/gi,
    map: new Map([[1, 'one'], ['k', { deep: [1, 2] }]]),
    set: new Set([1, 'two', 3]),
    u8: new Uint8Array([1, 2, 255]),
    f64: new Float64Array([0.5, -1.25]),
    i64: new BigInt64Array([-5n]),
    view1: new Uint8Array(shared, 2, 3),
    view2: new DataView(shared, 4),
    err: new RangeError('too far'),
    boxed: [new Number(3), new String('s'), new Boolean(false)],
    arr: [1, , 3],
  };
  source.self = source;
  source.map.set('back', source);
  const c = structuredClone(source);
  o.clone = describeValue(c);
  o.cloneIdentity = [c !== source, c.self === c, c.map.get('back') === c, c.view1.buffer === c.view2.buffer, c.view1.buffer !== shared, c.date !== source.date];
  o.cloneErrors = [
    errorOf(() => structuredClone(() => 1)),
    errorOf(() => structuredClone({ f() {} })),
    errorOf(() => structuredClone(Symbol('s'))),
    errorOf(() => structuredClone(Promise.resolve())),
    errorOf(() => structuredClone(new WeakMap())),
  ];
  try {
    structuredClone(function named() { return 1; });
  } catch (e) {
    o.cloneFnMessage = e.message.replace(/\s+/g, ' ');
  }
  o.cloneClass = describeValue(structuredClone(new (class P { constructor() { this.x = 1; } get y() { return 2; } })()));

  // --- Buffer
  const buf = Buffer.alloc(24);
  buf.writeInt32BE(-123456, 0);
  buf.writeUInt16LE(0xbeef, 4);
  buf.writeDoubleLE(Math.PI, 6);
  buf.writeFloatBE(1.5, 14);
  buf.writeBigInt64LE(-9007199254740993n, 16);
  o.buffer = [
    buf.toString('hex'),
    buf.readInt32BE(0), buf.readUInt16LE(4), buf.readDoubleLE(6), buf.readFloatBE(14), String(buf.readBigInt64LE(16)),
    buf.toString('base64'),
    Buffer.from('aGVsbG8gd29ybGQ=', 'base64').toString(),
    Buffer.from('68656c6c6f', 'hex').toString('utf8'),
    Buffer.from('héllo').toString('latin1'),
    Buffer.from('héllo', 'latin1').toString('hex'),
    Buffer.from([0xfb, 0xff]).toString('base64url'),
    Buffer.from('-_8', 'base64url').toString('hex'),
    Buffer.byteLength('-_8', 'base64url'),
    Buffer.isEncoding('base64url'),
    Buffer.byteLength('€uro'),
    Buffer.concat([Buffer.from('ab'), Buffer.from('cd')]).toString(),
    Buffer.compare(Buffer.from('a'), Buffer.from('b')),
    Buffer.from('abcdef').subarray(1, 3).toString(),
    Buffer.from('abcabc').indexOf('ca'),
    Buffer.from('x').equals(Buffer.from('x')),
    Buffer.from('hi').toJSON(),
    Buffer.isBuffer(Buffer.alloc(1)),
    Buffer.from('hi') instanceof Uint8Array,
    errorOf(() => buf.readInt32BE(22)).name,
  ];

  // --- crypto, performance, DOMException
  const r = new Uint32Array(4);
  o.crypto = [
    crypto.getRandomValues(r) === r,
    crypto.getRandomValues(new Uint8Array(65536)).length,
    crypto.getRandomValues(new BigInt64Array(2)).length,
    errorOf(() => crypto.getRandomValues(new Uint8Array(65537))),
    errorOf(() => crypto.getRandomValues(new Float32Array(2))),
    errorOf(() => crypto.getRandomValues(new DataView(new ArrayBuffer(2)))),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
    crypto.randomUUID() !== crypto.randomUUID(),
    new Set(Array.from({ length: 8 }, () => crypto.getRandomValues(new Uint8Array(16)).join())).size,
  ];
  const t1 = performance.now();
  let t2 = performance.now();
  while (t2 === t1) t2 = performance.now();
  o.performance = [typeof t1, t2 > t1, typeof performance.timeOrigin, Math.abs(performance.timeOrigin + t2 - Date.now()) < 1000];
  const de = new DOMException('stop', 'AbortError');
  o.domException = [de.name, de.message, de.code, de instanceof Error, DOMException.ABORT_ERR, new DOMException('x').name, Object.prototype.toString.call(de)];
  return o;
}
`;

const WEB_SLEEVE = `import { compute } from './compute.mjs';
export default async function (ctx) {
  await ctx.fs.writeJson(ctx.runDir + '/out.json', compute());
}
`;

/** Timers and microtasks: the order both sides log. */
const TIMERS = `export async function timers() {
  const order = [];
  setTimeout(() => order.push('t100a'), 100);
  setTimeout(() => {
    order.push('t0');
    Promise.resolve().then(() => order.push('micro after t0'));
    queueMicrotask(() => order.push('queued after t0'));
  }, 0);
  setTimeout(() => order.push('t100b'), 100);
  const cleared = setTimeout(() => order.push('cleared timeout ran'), 5);
  clearTimeout(cleared);
  const clearedByNumber = setTimeout(() => order.push('cleared by number ran'), 5);
  clearTimeout(Number(clearedByNumber));
  let n = 0;
  const iv = setInterval(() => {
    order.push('iv' + n);
    if (++n === 3) clearInterval(iv);
  }, 1);
  queueMicrotask(() => order.push('queued'));
  Promise.resolve().then(() => order.push('promise'));
  setTimeout((a, b) => order.push('args ' + a + b), 150, 'x', 'y');
  setTimeout(() => order.push('unref ran'), 60000).unref();
  order.push('sync');
  await new Promise((resolve) => setTimeout(resolve, 200));
  order.push('awaited');
  return order;
}
`;

describe('isolate mode: the web platform', () => {
  let ws: { dir: string; cleanup: () => void };
  let build: { dir: string; cleanup: () => void };
  let n = 0;
  before(() => {
    ws = makeWorkspace();
    build = makeTempDir('sleeve-iso-web-build-');
  });
  after(() => {
    ws.cleanup();
    build.cleanup();
  });

  async function host(
    files: Record<string, string>,
    opts: { entry?: string; timeoutMs?: number; memoryMiB?: number } = {},
  ): Promise<GuardedRun & { runDir: string; dir: string }> {
    const dir = `web${n++}`;
    writeTree(ws.dir, Object.fromEntries(Object.entries(files).map(([k, v]) => [`${dir}/${k}`, v])));
    const entry = path.join(ws.dir, dir, opts.entry ?? 'main.mjs');
    const modules = await compileIsolateModules({ entry, where: 'test', isDenied: () => false }, build.dir);
    const runId = `w${n}`;
    const runDir = path.join(ws.dir, 'runs', runId);
    fs.mkdirSync(runDir, { recursive: true });
    const policy = loadPolicy('strict', { workspace: ws.dir, sys: createNodeSys(undefined, () => ws.dir) }).policy;
    const config: SandboxConfig = {
      policy,
      workspace: ws.dir,
      runId,
      runsDir: 'runs',
      runDir,
      name: 'web',
      entry: modules.entry,
      args: [],
      builtins: [],
      codePaths: [path.dirname(BOOTSTRAP), ...IVM.reads],
      packageDirs: [],
      layers: ['isolate', 'fs-guard'],
      mode: 'isolate',
      isolate: { isolatedVm: IVM_DIR, loadEnv: IVM.loadEnv, modules, memoryMiB: opts.memoryMiB ?? 64, timeoutMs: opts.timeoutMs ?? 30_000 },
    };
    // No coverage for this child: V8's coverage collection and isolated-vm do not mix.
    const r = await runBootstrap({ config, cwd: ws.dir, env: {}, nodeArgs: ['--no-node-snapshot'], coverage: false });
    return { ...r, runDir, dir: path.join(ws.dir, dir) };
  }
  const exitOf = (r: GuardedRun) => r.messages.find((m): m is ExitMessage => m.t === 'exit');
  const limitOf = (r: GuardedRun) => r.messages.find((m): m is LimitMessage => m.t === 'limit');
  const out = (r: { runDir: string }, file = 'out.json') => JSON.parse(fs.readFileSync(path.join(r.runDir, file), 'utf8')) as Record<string, unknown>;
  /** Imports a module source in this (Node) process. */
  async function inNode<T>(source: string): Promise<T> {
    const file = path.join(build.dir, `node-${n++}.mjs`);
    fs.writeFileSync(file, source);
    return (await import(pathToFileURL(file).href)) as T;
  }

  it('computes what Node computes: encodings, URL, base64, structuredClone, Buffer, crypto, performance, DOMException', async () => {
    const r = await host({ 'main.mjs': WEB_SLEEVE, 'compute.mjs': COMPUTE });
    assert.equal(r.code, 0, r.stderr);
    const isolate = out(r);
    const node = JSON.parse(JSON.stringify((await inNode<{ compute: () => unknown }>(COMPUTE)).compute())) as Record<string, unknown>;
    // Node's TextDecoder errors are TypeErrors with a code (ERR_ENCODING_INVALID_ENCODED_DATA), the spec's
    // have none: compare names; and Node's URL errors carry ERR_INVALID_URL.
    const noCodes = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (k === 'code' && typeof x === 'string' ? null : x)));
    for (const key of Object.keys(node)) {
      assert.deepEqual(noCodes(isolate[key]), noCodes(node[key]), `${key}: the isolate computed something else than Node`);
    }
    assert.deepEqual(Object.keys(isolate).sort(), Object.keys(node).sort());
    // And the values that must be there, not merely equal.
    assert.equal(isolate.decode, 'hé€𝄞');
    assert.deepEqual(isolate.stream, ['A', '€', '', '𝄞', '']);
    assert.deepEqual(isolate.fatal, [
      { name: 'TypeError', code: null, isError: true },
      { name: 'TypeError', code: null, isError: true },
      { name: 'TypeError', code: null, isError: true },
      true,
    ]);
    assert.deepEqual(isolate.b64Errors, Array(5).fill({ name: 'InvalidCharacterError', code: 5, isError: true }));
    assert.deepEqual((isolate.cloneErrors as unknown[])[0], { name: 'DataCloneError', code: 25, isError: true });
    assert.deepEqual((isolate.crypto as unknown[]).slice(3, 5), [
      { name: 'QuotaExceededError', code: 22, isError: true },
      { name: 'TypeMismatchError', code: 17, isError: true },
    ]);
    assert.equal(isolate.idn && (isolate.idn as string[])[0], 'xn--mnchen-3ya.de');
  });

  it('runs timers in order with microtasks between them, clears them, passes arguments, does not wait for an unref-ed one', async () => {
    const r = await host({
      'main.mjs':
        "import { timers } from './timers.mjs';\nexport default async function (ctx) { await ctx.fs.writeJson(ctx.runDir + '/out.json', { order: await timers() }); }\n",
      'timers.mjs': TIMERS,
    });
    assert.equal(r.code, 0, r.stderr);
    const expected = ['sync', 'queued', 'promise', 't0', 'micro after t0', 'queued after t0', 'iv0', 'iv1', 'iv2', 't100a', 't100b', 'args xy', 'awaited'];
    assert.deepEqual(out(r).order, expected);
    assert.deepEqual(await (await inNode<{ timers: () => Promise<string[]> }>(TIMERS)).timers(), expected, 'Node gives another order');
    assert.ok((exitOf(r)?.isolate?.wallMs ?? 0) < 30_000, 'the unref-ed 60 s timer was waited for');
  });

  it('runs the timers a module without a default export set, and timers left after the default export returned', async () => {
    const r = await host({
      'main.mjs':
        "let n = 0;\nsetTimeout(() => { n++; console.log('later', n); }, 20);\nexport default function () { setTimeout(() => console.log('after return'), 40); }\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'later 1\nafter return\n');
  });

  it('ends a sleeve whose timer is due after its timeout at the timeout, as a timeout', async () => {
    const started = Date.now();
    const r = await host({ 'main.mjs': 'export default function () { return new Promise((resolve) => setTimeout(resolve, 60_000)); }\n' }, { timeoutMs: 400 });
    assert.equal(r.code, 75, r.stderr);
    assert.equal(limitOf(r)?.limit, 'timeout');
    assert.match(r.stderr, /timeout of 400 ms/);
    assert.ok(Date.now() - started < 30_000, 'the host waited for the timer');
  });

  it('bounds a flood: an interval of 0 ms forever and a hundred thousand timers end at the timeout', async () => {
    const r = await host(
      {
        'main.mjs': `export default function () {
  let ticks = 0;
  setInterval(() => { ticks++; for (let i = 0; i < 1000; i++) setTimeout(() => {}, 0); }, 0);
  for (let i = 0; i < 100000; i++) setTimeout(() => {}, i % 50);
}
`,
      },
      { timeoutMs: 1500, memoryMiB: 64 },
    );
    assert.equal(r.code, 75, r.stderr);
    assert.ok(['timeout', 'memory'].includes(limitOf(r)?.limit ?? ''), JSON.stringify(limitOf(r)));
  });

  it('bounds random requests: each call is capped at 65536 bytes, and a loop of them ends at the timeout', async () => {
    const r = await host(
      {
        'main.mjs': `export default async function (ctx) {
  const o = {};
  for (const n of [0, 1, 65536, 65537, 1 << 20]) {
    try { o[n] = crypto.getRandomValues(new Uint8Array(n)).length; } catch (e) { o[n] = e.name; }
  }
  await ctx.fs.writeJson(ctx.runDir + '/out.json', o);
  for (;;) { crypto.getRandomValues(new Uint8Array(65536)); crypto.randomUUID(); }
}
`,
      },
      { timeoutMs: 1500 },
    );
    assert.equal(r.code, 75, r.stderr);
    assert.equal(limitOf(r)?.limit, 'timeout');
    assert.deepEqual(out(r), { 0: 0, 1: 1, 65536: 65536, 65537: 'QuotaExceededError', 1048576: 'QuotaExceededError' });
  });

  it('keeps name, message and a stack mapped to the TypeScript source for an error at module evaluation', async () => {
    const r = await host(
      {
        'main.ts': "import { parse } from './lib.ts';\nexport default function (): void {\n  parse('x');\n}\n",
        'lib.ts':
          "interface Row {\n  a: number;\n  b: string;\n}\nconst rows: Row[] = [];\nexport function parse(s: string): Row[] {\n  return rows;\n}\nif (rows.length === 0) {\n  throw new RangeError('no rows at load');\n}\n",
      },
      { entry: 'main.ts' },
    );
    assert.equal(r.code, 1, r.stderr);
    const lib = path.join(r.dir, 'lib.ts');
    assert.ok(r.stderr.startsWith(`file://${lib}:10\n  throw new RangeError('no rows at load');\n        ^\n`), r.stderr);
    assert.match(r.stderr, /^RangeError: no rows at load$/m);
    assert.ok(r.stderr.includes(`at file://${lib}:10:9`), r.stderr);
    assert.ok(!/isolated-vm|dist\/sandbox|node:internal/.test(r.stderr), `host frames in ${r.stderr}`);
    assert.equal(exitOf(r)?.outcome, 'threw');
  });

  it('keeps a custom error class thrown by the default export, with its TypeScript line', async () => {
    const r = await host(
      {
        'main.ts': `class ParseError extends Error {
  override name = 'ParseError';
}
type Ctx = { args: readonly string[] };
function check(row: string): number {
  if (row === '') {
    throw new ParseError('empty row');
  }
  return row.length;
}
export default async function (ctx: Ctx): Promise<void> {
  await Promise.resolve();
  check(ctx.args[0] ?? '');
}
`,
      },
      { entry: 'main.ts' },
    );
    assert.equal(r.code, 1, r.stderr);
    const main = path.join(r.dir, 'main.ts');
    assert.ok(r.stderr.startsWith(`file://${main}:7\n    throw new ParseError('empty row');\n          ^\n`), r.stderr);
    assert.match(r.stderr, /^ParseError: empty row$/m);
    assert.ok(r.stderr.includes(`at check (file://${main}:7:11)`), r.stderr);
    assert.ok(r.stderr.includes(`(file://${main}:13:3)`), r.stderr);
  });

  it('ends a sleeve whose timer callback or microtask throws, as an uncaught exception ends Node, with the stack', async () => {
    const r = await host({
      'main.mjs':
        "export default function () {\n  setTimeout(() => {\n    throw new TypeError('in a timer');\n  }, 5);\n  setTimeout(() => console.log('never'), 50);\n}\n",
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^TypeError: in a timer$/m);
    assert.ok(r.stderr.includes(`main.mjs:3:11`), r.stderr);
    const q = await host({ 'main.mjs': "export default async function () {\n  queueMicrotask(() => { throw new Error('in a microtask'); });\n}\n" });
    assert.equal(q.code, 1, q.stderr);
    assert.match(q.stderr, /^Error: in a microtask$/m);
  });

  it('attack: no host object is reachable through the platform (prototypes, returned values, timers, stack traces)', async () => {
    const r = await host({
      'main.mjs': `// Replacing eval before the first URL use does not reach the platform (it captured its own).
globalThis.eval = () => { throw new Error('replaced'); };
export default async function (ctx) {
  const o = {};
  const reach = (v) => {
    try {
      if (v === null || v === undefined) return 'none';
      const F = (typeof v === 'function' ? v : v.constructor).constructor;
      return F('return typeof process + typeof require')();
    } catch (e) {
      return 'threw ' + e.name;
    }
  };
  const fromHost = {
    random: crypto.getRandomValues(new Uint8Array(4)),
    randomBuffer: crypto.getRandomValues(new Uint8Array(4)).buffer,
    uuid: crypto.randomUUID(),
    now: performance.now(),
    timer: setTimeout(() => {}, 1),
    timerEarly: setTimeout(() => {}, 1),
    params: new URLSearchParams('a=1'),
    decoded: new TextDecoder().decode(Uint8Array.of(65)),
    encoded: new TextEncoder().encode('a'),
    buffer: Buffer.from('x'),
    clone: structuredClone({ a: new Map() }),
    dom: new DOMException('x'),
  };
  for (const [k, v] of Object.entries(fromHost)) {
    let protoIsIsolates = true;
    for (let p = Object.getPrototypeOf(Object(v)); p; p = Object.getPrototypeOf(p)) {
      if (p.constructor && p.constructor.constructor !== Function) protoIsIsolates = false;
    }
    o[k] = [reach(v), protoIsIsolates];
  }
  // Structured call sites of frames inside the platform and its timers.
  const files = new Set();
  const kinds = new Set();
  Error.stackTraceLimit = 50;
  Error.prepareStackTrace = (e, sites) => {
    for (const s of sites) {
      const name = s.getScriptNameOrSourceURL() ?? s.getFileName() ?? null;
      files.add(name);
      kinds.add(typeof s.getThis() + '/' + typeof s.getFunction());
      const f = s.getFunction();
      if (typeof f === 'function' && f.constructor !== Function) kinds.add('foreign function');
      if (String(name).startsWith('sleeve-sandbox:') && (f !== undefined || s.getThis() !== undefined)) kinds.add('a platform frame gave its function or receiver');
    }
    return sites;
  };
  await new Promise((resolve) => setTimeout(() => { new Error('in timer').stack; resolve(); }, 1));
  queueMicrotask(() => new Error('in microtask').stack);
  await null;
  try { structuredClone(() => 1); } catch (e) { e.stack; }
  try { atob('*'); } catch (e) { e.stack; }
  try { crypto.getRandomValues(new Uint8Array(70000)); } catch (e) { e.stack; }
  try { new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(255)); } catch (e) { e.stack; }
  // Frames inside the platform's own code: a getter it reads, a callback it calls; and the same from
  // sloppy functions (made by Function), whose frames V8 does not hide, so the platform's frame under
  // them would give its function and receiver if the platform were not strict code.
  const sloppy = Function("return new Error('sloppy').stack");
  await new Promise((resolve) => setTimeout(() => { sloppy(); resolve(); }, 1));
  await new Promise((resolve) => setTimeout(Function('resolve', "return function () { new Error('sloppy timer').stack; resolve(); }")(resolve), 1));
  queueMicrotask(Function("new Error('sloppy microtask').stack"));
  await null;
  new URLSearchParams('a=1').forEach(Function("new Error('sloppy forEach').stack"));
  try { structuredClone(Object.defineProperty({}, 'x', { get: Function("return new Error('sloppy getter').stack"), enumerable: true })); } catch {}
  try { new URL({ toString: Function("throw new Error('sloppy toString')") }); } catch (e) { e.stack; }
  try { new URL({ toString() { throw new Error('in URL'); } }); } catch (e) { e.stack; }
  try { structuredClone({ get x() { return new Error('in clone').stack; } }); } catch {}
  new URLSearchParams('a=1').forEach(() => new Error('in forEach').stack);

  Error.prepareStackTrace = undefined;
  o.urlAfterEval = new URL('http://h/').href;
  o.files = [...files];
  o.kinds = [...kinds];
  // A timer callback that throws a value with getters: the host only receives a string.
  o.globalsAfter = typeof process + typeof require;
  await ctx.fs.writeJson(ctx.runDir + '/out.json', o);
  setTimeout(() => { throw { get name() { return 'Evil'; }, get message() { return Function('return typeof process')(); }, stack: 'forged' }; }, 1);
}
`,
    });
    assert.equal(r.code, 1, r.stderr);
    const o = out(r);
    for (const [k, v] of Object.entries(o)) {
      if (k === 'files' || k === 'kinds' || k === 'globalsAfter' || k === 'urlAfterEval') continue;
      assert.deepEqual(v, ['undefinedundefined', true], `${k}: ${JSON.stringify(v)}`);
    }
    const own = `file://${path.join(ws.dir, `web${n - 1}`, 'main.mjs')}`;
    for (const f of o.files as Array<string | null>)
      assert.ok(f === own || f === null || /^sleeve-sandbox:(?:platform|platform-url|prelude)$/.test(String(f)), `a call site in ${f}`);
    assert.ok(!(o.kinds as string[]).includes('foreign function'), JSON.stringify(o.kinds));
    assert.ok(!(o.kinds as string[]).includes('a platform frame gave its function or receiver'), JSON.stringify(o.kinds));
    assert.ok(
      (o.files as string[]).includes('sleeve-sandbox:platform') && (o.files as string[]).includes('sleeve-sandbox:platform-url'),
      JSON.stringify(o.files),
    );
    assert.equal(o.urlAfterEval, 'http://h/');
    assert.equal(o.globalsAfter, 'undefinedundefined');
    // The thrown object's getters ran inside the isolate: the host printed the string it was given.
    assert.match(r.stderr, /forged|\[object Object\]/);
  });
});
