/**
 * Guard fidelity, tested differentially: an allowed call through the fs guard
 * behaves exactly as the bare call. Every case of the table (fidelity-cases.ts)
 * runs twice on the same layout, once in a plain `node` child and once in a
 * guarded sleeve (the real bootstrap, the JS guard alone), all cases of a run
 * in one process, and the two are compared case by case on a normalised
 * result: the return value (Stats by their fields minus times and inode,
 * Dirents, buffers as hex), the thrown or callback error (name, code, errno,
 * syscall, message, path, with the workspace replaced) and the side effects
 * (the case's directory tree: names, types, modes, sizes, contents, links).
 *
 * The table must cover the guard: every function it wraps (the FS_TABLE rows
 * in each form Node has, and whatever else the guarded process shows
 * replaced: fs, fs.promises, FileHandle methods, process.loadEnvFile) needs a
 * case, and a third, instrumented bare run checks each case really calls what
 * it claims to cover. A newly wrapped function without a case fails here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FS_TABLE } from '../../sandbox/fs-table.js';
import { type GuardedRun, runGuarded } from '../helpers/guarded.js';
import { policyOf } from '../helpers/policy.js';
import { makeTempDir } from '../helpers/tmp.js';
import { CASES, LAYOUT_DIRS, LAYOUT_FILES, LAYOUT_LINKS } from './fidelity-cases.js';

const RUN_ID = 'fid';
const MARK = 'FIDELITY-RESULT ';

type Mode = 'bare' | 'guarded' | 'count';

interface ChildReport {
  results: unknown[];
  /** Function name -> its source text, for every function a wrapper could replace. */
  fingerprints: Record<string, string>;
  /** count mode: per case, the instrumented functions it called. */
  called?: string[][];
}

/** The child: runs every case in its own directory, one after the other, and prints one JSON report. */
function childSource(mode: Mode, root: string): string {
  const cases = CASES.map((k, i) => `[${JSON.stringify(k.name)}, async (D, R) => { ${k.run}\n}] /* ${i} */`).join(',\n');
  return `
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
const MODE = ${JSON.stringify(mode)};
const ROOT = ${JSON.stringify(root)};
const REL = ${JSON.stringify(`runs/${RUN_ID}`)};
const cb = (call) => new Promise((resolve) => { call((...args) => resolve(args)); });
const times = (p, link) => (link ? fs.lstatSync(p) : fs.statSync(p)).mtimeMs; // atimes move with every read
const readAll = (s) => new Promise((resolve) => {
  const ev = [];
  s.on('open', () => ev.push('open'));
  s.on('ready', () => ev.push('ready'));
  s.on('data', (d) => ev.push(['data', d]));
  s.on('end', () => ev.push('end'));
  s.on('error', (e) => ev.push(['error', e]));
  s.on('close', () => { ev.push('close'); resolve(ev); });
});
const writeAll = (s, chunks, cork) => new Promise((resolve) => {
  const ev = [];
  s.on('open', () => ev.push('open'));
  s.on('ready', () => ev.push('ready'));
  s.on('finish', () => ev.push('finish'));
  s.on('error', (e) => ev.push(['error', e]));
  s.on('close', () => { ev.push(['close', s.bytesWritten]); resolve(ev); });
  if (cork) s.cork();
  for (const c of chunks) s.write(c, (e) => ev.push(['written', e ?? null]));
  if (cork) process.nextTick(() => s.uncork());
  s.end();
});
const CASES = [
${cases}
];

// --- normalising what a case returned or threw ---
const kinds = (x) => ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket', 'isBlockDevice', 'isCharacterDevice'].filter((m) => x[m]());
function norm(v, depth = 0) {
  if (depth > 8) return '<deep>';
  if (v === undefined) return { undefined: true };
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { number: String(v) };
  if (typeof v === 'bigint') return { bigint: String(v) };
  if (typeof v === 'symbol' || typeof v === 'function') return { [typeof v]: String(v.description ?? v.name) };
  if (v instanceof Error || (typeof v.code === 'string' && typeof v.message === 'string')) {
    const e = { class: v.constructor && v.constructor.name, name: v.name, message: v.message };
    for (const k of ['code', 'errno', 'syscall', 'path', 'dest', 'info', 'cause']) if (v[k] !== undefined) e[k] = norm(v[k], depth + 1);
    return { error: e };
  }
  if (ArrayBuffer.isView(v)) return { [v.constructor.name]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (v instanceof ArrayBuffer) return { ArrayBuffer: Buffer.from(v).toString('hex') };
  if (v instanceof fs.Dirent) return { Dirent: { name: norm(v.name), parentPath: v.parentPath, kinds: kinds(v) } };
  if (typeof v.isFile === 'function' && 'ino' in v) {
    const out = { kinds: kinds(v) };
    for (const k of ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks']) out[k] = norm(v[k]);
    return { [v.constructor.name]: out };
  }
  if (v instanceof fs.Dir) return { Dir: v.path };
  if (v.constructor && v.constructor.name === 'StatFs') return { StatFs: { type: norm(v.type), bsize: norm(v.bsize), blocks: norm(v.blocks), files: norm(v.files) } };
  if (v.constructor && v.constructor.name === 'FileHandle') return { FileHandle: typeof v.fd };
  if (typeof v.then === 'function') return { Promise: true };
  if (Array.isArray(v)) return v.map((x) => norm(x, depth + 1));
  const out = {};
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) out['<class>'] = v.constructor && v.constructor.name;
  if (typeof v.pipe === 'function') return out; // a stream: its class is enough
  for (const k of Object.keys(v).sort()) out[k] = norm(v[k], depth + 1);
  return out;
}

// --- what a wrapper could have replaced: every function of fs, fs.promises, FileHandle, process.loadEnvFile ---
const probe = await fsp.open(ROOT + '/c0/f.txt');
const HANDLE = Object.getPrototypeOf(probe);
await probe.close();
const surfaces = [['fs.', fs], ['fs.promises.', fs.promises], ['FileHandle.', HANDLE]];
const fingerprints = {};
const toText = Function.prototype.toString;
for (const [prefix, obj] of surfaces) {
  for (const k of Object.getOwnPropertyNames(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, k);
    if (!d || typeof d.value !== 'function' || k === 'constructor') continue;
    fingerprints[prefix + k] = toText.call(d.value);
    if (typeof d.value.native === 'function') fingerprints[prefix + k + '.native'] = toText.call(d.value.native);
  }
}
if (typeof process.loadEnvFile === 'function') fingerprints['process.loadEnvFile'] = toText.call(process.loadEnvFile);

// --- count mode: every such function counts its calls (the other modes run untouched) ---
let calledNow = new Set();
if (MODE === 'count') {
  const counted = (name, f) => { const w = function (...a) { calledNow.add(name); return Reflect.apply(f, this, a); }; return w; };
  for (const [prefix, obj] of [...surfaces, ['process.', process]]) {
    for (const k of Object.getOwnPropertyNames(obj)) {
      const name = prefix + k;
      if (!(name in fingerprints) || /^[A-Z]/.test(k)) continue;
      const f = obj[k];
      const w = counted(name, f);
      if (typeof f.native === 'function') w.native = counted(name + '.native', f.native);
      obj[k] = w;
    }
  }
}

const results = [];
const called = [];
let current;
process.on('uncaughtException', (e) => { if (current) current.uncaught.push(norm(e)); });
process.on('unhandledRejection', (e) => { if (current) current.uncaught.push(norm(e)); });
for (let i = 0; i < CASES.length; i++) {
  const [name, body] = CASES[i];
  current = { name, uncaught: [] };
  calledNow = new Set();
  let outcome;
  let timer;
  try {
    // A case that never settles (a stream that crashed inside) times out; the loop must stay alive for it.
    const value = await Promise.race([
      body(ROOT + '/c' + i, REL + '/c' + i),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('case timed out')), 3000); }),
    ]);
    outcome = { returned: norm(value) };
  } catch (e) {
    outcome = { threw: norm(e) };
  } finally {
    clearTimeout(timer);
  }
  await new Promise((r) => setImmediate(r));
  if (current.uncaught.length > 0) outcome.uncaught = current.uncaught;
  results.push(outcome);
  called.push([...calledNow]);
}
current = undefined;
process.stdout.write(${JSON.stringify(MARK)} + JSON.stringify({ results, fingerprints, ...(MODE === 'count' ? { called } : {}) }) + '\\n');
`;
}

/** The same layout in every case directory of a run. */
function layCases(root: string): void {
  for (let i = 0; i < CASES.length; i++) {
    const dir = path.join(root, `c${i}`);
    for (const d of LAYOUT_DIRS) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const [rel, body] of Object.entries(LAYOUT_FILES)) fs.writeFileSync(path.join(dir, rel), body);
    for (const [rel, target] of Object.entries(LAYOUT_LINKS)) fs.symlinkSync(target, path.join(dir, rel));
  }
}

/** A case directory's tree: names (mkdtemp's random part masked), types, modes, sizes, contents, link targets. */
function tree(dir: string, ws: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    for (const name of fs.readdirSync(abs).sort()) {
      const p = path.join(abs, name);
      const r = `${rel}${name.replace(/^t-[A-Za-z0-9]{6}$/, 't-XXXXXX')}`;
      const st = fs.lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[r] = `link ${fs.readlinkSync(p).split(ws).join('<WS>')}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(p, `${r}/`);
      } else out[r] = `file ${mode} nlink=${st.nlink} ${st.size} ${fs.readFileSync(p).toString('hex')}`;
    }
  };
  walk(dir, '');
  return out;
}

function reportOf(stdout: string, ws: string, what: string): ChildReport {
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (line === undefined) throw new Error(`the ${what} run printed no report; its stdout:\n${stdout.slice(0, 2000)}`);
  // mkdtemp's random suffix, in the names it reports
  const text = line
    .slice(MARK.length)
    .split(ws)
    .join('<WS>')
    .replace(/\/t-[A-Za-z0-9]{6}(?=['"/])/g, '/t-XXXXXX');
  return JSON.parse(text) as ChildReport;
}

/** A plain node child on the same script shape, cwd the workspace (as the sleeve's). */
async function runBare(ws: string, source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entryDir = fs.mkdtempSync(path.join(path.dirname(ws), 'entry-'));
  const entry = path.join(entryDir, 'bare.mjs');
  fs.writeFileSync(entry, source);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (process.env.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = '';
  const child = spawn(process.execPath, [entry], { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  fs.rmSync(entryDir, { recursive: true, force: true });
  return { code, stdout, stderr };
}

describe('guard fidelity: an allowed call behaves as the bare call (differential)', () => {
  const dirs = { bare: makeTempDir('sleeve-fid-bare-'), guarded: makeTempDir('sleeve-fid-guarded-'), count: makeTempDir('sleeve-fid-count-') };
  const reports = {} as Record<Mode, ChildReport>;
  const trees = {} as Record<'bare' | 'guarded', Record<string, string>[]>;
  let guardedRun: GuardedRun;

  before(async () => {
    const roots = {} as Record<Mode, string>;
    for (const mode of ['bare', 'guarded', 'count'] as const) {
      roots[mode] = path.join(dirs[mode].dir, 'runs', RUN_ID);
      layCases(roots[mode]);
    }
    const rw = { allow: ['{runDir}/**'], deny: [] };
    const [bare, guarded, count] = await Promise.all([
      runBare(dirs.bare.dir, childSource('bare', roots.bare)),
      runGuarded({ workspace: dirs.guarded.dir, runId: RUN_ID, source: childSource('guarded', roots.guarded), policy: policyOf(rw, rw) }),
      runBare(dirs.count.dir, childSource('count', roots.count)),
    ]);
    guardedRun = guarded;
    reports.bare = reportOf(bare.stdout, dirs.bare.dir, `bare (exit ${bare.code}, stderr ${bare.stderr.slice(0, 2000)})`);
    reports.guarded = reportOf(guarded.stdout, dirs.guarded.dir, `guarded (exit ${guarded.code}, stderr ${guarded.stderr.slice(0, 2000)})`);
    reports.count = reportOf(count.stdout, dirs.count.dir, `count (exit ${count.code}, stderr ${count.stderr.slice(0, 2000)})`);
    for (const mode of ['bare', 'guarded'] as const) {
      trees[mode] = CASES.map((_, i) => tree(path.join(roots[mode], `c${i}`), dirs[mode].dir));
    }
  });
  after(() => {
    for (const d of Object.values(dirs)) d.cleanup();
  });

  const same = (i: number): { same: boolean; detail: string } => {
    const bare = { outcome: reports.bare.results[i], tree: trees.bare[i] };
    const guarded = { outcome: reports.guarded.results[i], tree: trees.guarded[i] };
    try {
      assert.deepEqual(guarded, bare);
      return { same: true, detail: '' };
    } catch {
      return { same: false, detail: `\n  bare:    ${JSON.stringify(bare)}\n  guarded: ${JSON.stringify(guarded)}` };
    }
  };

  it('every case returns, throws and changes the same, bare and guarded', () => {
    const diverging: string[] = [];
    CASES.forEach((k, i) => {
      const r = same(i);
      if (!r.same && k.known === undefined) diverging.push(`${k.name}${r.detail}`);
    });
    assert.equal(diverging.length, 0, `${diverging.length} of ${CASES.length} cases diverge:\n${diverging.join('\n')}`);
  });

  it('the known divergences still diverge (a fixed one must lose its mark)', () => {
    const fixed = CASES.filter((k, i) => k.known !== undefined && same(i).same).map((k) => k.name);
    assert.deepEqual(fixed, []);
  });

  it('the guarded run refused nothing but the known cases and ended cleanly', () => {
    assert.equal(guardedRun.code, 0, guardedRun.stderr);
    const knownDirs = CASES.flatMap((k, i) => (k.known === undefined ? [] : [`/runs/${RUN_ID}/c${i}/`]));
    // A refusal names a known case's directory, or no path at all (a known case's object path).
    const unexplained = guardedRun.messages.filter(
      (m) => m.t === 'deny' && (m.path.startsWith('/') ? !knownDirs.some((d) => m.path.includes(d)) : !CASES.some((k) => k.known && k.name.includes('object'))),
    );
    assert.deepEqual(unexplained, []);
  });

  it('every function the guard wraps has a case', () => {
    const bare = reports.bare.fingerprints;
    const guarded = reports.guarded.fingerprints;
    const wrapped = new Set<string>();
    // The table's rows, in every form this Node has ...
    for (const name of Object.keys(FS_TABLE)) {
      for (const form of [`fs.${name}Sync`, `fs.${name}`, `fs.promises.${name}`]) if (form in bare) wrapped.add(form);
    }
    // ... and whatever the guarded process shows replaced.
    for (const name of Object.keys(bare)) if (guarded[name] !== bare[name]) wrapped.add(name);
    assert.ok(wrapped.has('fs.writevSync') && wrapped.has('FileHandle.writev') && wrapped.has('fs.createWriteStream'), [...wrapped].join(' '));
    const covered = new Set(CASES.flatMap((k) => k.covers));
    const missing = [...wrapped].filter((n) => !covered.has(n)).sort();
    assert.deepEqual(missing, [], `wrapped functions without a case: ${missing.join(', ')}`);
  });

  it('each case calls the functions it claims to cover', () => {
    const called = reports.count.called ?? [];
    const wrong = CASES.flatMap((k, i) => k.covers.filter((n) => !(called[i] ?? []).includes(n)).map((n) => `${k.name}: ${n}`));
    assert.deepEqual(wrong, []);
  });
});
