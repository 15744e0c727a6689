/**
 * `sleeve-sandbox run` end to end: the real bin, real sleeve processes, real
 * temp workspaces. Each test writes tiny sleeves, runs a batch with --json,
 * asserts the structured summary (status, exitCode, denials) and then checks
 * the disk itself: what a sleeve was refused must not have happened.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DenialRecord } from '../../../runner/batch/types.js';
import { childEnv, collect, type Run, repoRoot, runBin, runMain, show, startBin } from '../../helpers/cli.js';
import { runnerMade } from '../../helpers/os-layer.js';
import { livingSleeveProcesses } from '../../helpers/procs.js';
import { listTree, makeWorkspace, writeTree } from '../../helpers/tmp.js';

interface SleeveSummary {
  name: string;
  runId: string;
  runDir: string;
  policy: string;
  status: string;
  display: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  layers: string[];
  denials: DenialRecord[];
  logs: { stdout: string; stderr: string; truncated: boolean };
  error?: string;
}

interface Summary {
  version: number;
  workspace: string;
  interrupted: string | null;
  exitCode: number;
  sleeves: SleeveSummary[];
  /** From the auditor, when it ran. */
  verdict?: string;
  violations?: Array<{ path: string; change: string; suspects: string[]; why: string }>;
}

function parseSummary(run: Run): Summary {
  try {
    return JSON.parse(run.stdout) as Summary;
  } catch (error) {
    assert.fail(`stdout is not a JSON summary (${(error as Error).message})\n${show(run)}`);
  }
}

/** `run --policy strict --workspace ws --concurrency 2 --json ...args`, summary parsed. */
async function runBatch(ws: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ run: Run; summary: Summary }> {
  const run = await runBin(['run', '--policy', 'strict', '--workspace', ws, '--concurrency', '2', '--json', ...args], ws, env);
  return { run, summary: parseSummary(run) };
}

function sleeveOf(summary: Summary, name: string): SleeveSummary {
  const s = summary.sleeves.find((x) => x.name === name);
  assert.ok(s, `no sleeve ${name} in the summary: ${JSON.stringify(summary.sleeves.map((x) => x.name))}`);
  return s;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Bytes and metadata (ns times, mode, inode, links) of everything below `dir`, for before/after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of ['', ...listTree(dir)]) {
    const abs = path.join(dir, rel);
    const st = fs.lstatSync(abs, { bigint: true });
    const body = st.isFile() ? fs.readFileSync(abs).toString('base64') : st.isSymbolicLink() ? `-> ${fs.readlinkSync(abs)}` : 'dir';
    out[rel || '.'] = `${body} size=${st.size} mtime=${st.mtimeNs} ctime=${st.ctimeNs} mode=${st.mode.toString(8)} ino=${st.ino} nlink=${st.nlink}`;
  }
  return out;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH', `kill(${pid}, 0) failed with something other than ESRCH`);
    return false;
  }
}

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** A workspace (realpath) with the shared lakehouse and runs/; removed after the suite. */
function workspace(cleanups: Array<() => void>, files: Record<string, string> = {}): string {
  const tmp = makeWorkspace();
  cleanups.push(tmp.cleanup);
  writeTree(tmp.dir, files);
  return tmp.dir;
}

const manifest = (sleeves: Array<Record<string, unknown>>) => JSON.stringify({ version: 1, sleeves }, null, 2);

describe('sleeve-sandbox run: integration through the real bin', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  describe('two sleeves running at the same time', () => {
    const peerSleeve = lines(
      "import fs from 'node:fs';",
      "import path from 'node:path';",
      'const me = process.env.SLEEVE_NAME;',
      'const runDir = process.env.SLEEVE_RUN_DIR;',
      "const peers = JSON.parse(fs.readFileSync('data/lakehouse/peers.json', 'utf8'));",
      'const peerId = peers[Object.keys(peers).find((n) => n !== me)];',
      "const peer = 'runs/' + peerId;",
      'const started = Date.now();',
      "fs.writeFileSync(path.join(runDir, 'started'), String(started));",
      '// Barrier: the peer cannot be observed (its dir is unreadable), so both wait long enough to overlap.',
      'await new Promise((r) => setTimeout(r, 1000));',
      'const attempts = {};',
      'const attempt = (label, fn) => { try { fn(); attempts[label] = "OK"; } catch (e) { attempts[label] = e.code; } };',
      "attempt('list runs/', () => fs.readdirSync('runs'));",
      "attempt('list the peer run dir', () => fs.readdirSync(peer));",
      "attempt('read the peer stdout log', () => fs.readFileSync(peer + '/logs/stdout.log'));",
      "attempt('read the peer marker', () => fs.readFileSync(peer + '/started'));",
      "attempt('write into the peer run dir', () => fs.writeFileSync(peer + '/from-' + me + '.txt', 'x'));",
      "attempt('append to the peer stdout log', () => fs.appendFileSync(peer + '/logs/stdout.log', 'from ' + me));",
      "attempt('mkdir in the peer run dir', () => fs.mkdirSync(peer + '/dir-from-' + me));",
      "attempt('write into the peer run dir via ..', () => fs.writeFileSync(path.join(runDir, '..', peerId, 'dotdot-' + me), 'x'));",
      "attempt('write into the peer run dir by absolute path', () => fs.writeFileSync(path.join(process.env.SLEEVE_WORKSPACE, peer, 'abs-' + me), 'x'));",
      "console.log('hello from ' + me);",
      "fs.writeFileSync(path.join(runDir, 'result.json'), JSON.stringify({ me, peerId, started, ended: Date.now(), attempts }));",
    );
    let ws = '';
    let run: Run;
    let summary: Summary;
    const ids = { alpha: 'iso-alpha', beta: 'iso-beta' } as const;
    type Result = { me: string; peerId: string; started: number; ended: number; attempts: Record<string, string> };
    const result = (name: 'alpha' | 'beta') => readJson<Result>(path.join(ws, 'runs', ids[name], 'result.json'));

    before(async () => {
      ws = workspace(cleanups, {
        'data/lakehouse/peers.json': JSON.stringify(ids),
        'sleeves/peer.mjs': peerSleeve,
        'manifest.json': manifest([
          { name: 'alpha', entry: 'sleeves/peer.mjs', runId: ids.alpha },
          { name: 'beta', entry: 'sleeves/peer.mjs', runId: ids.beta },
        ]),
      });
      ({ run, summary } = await runBatch(ws, ['--manifest', 'manifest.json']));
    });

    it('runs them concurrently: their lifetimes overlap', () => {
      assert.equal(sleeveOf(summary, 'alpha').status, 'ok', show(run));
      assert.equal(sleeveOf(summary, 'beta').status, 'ok', show(run));
      const a = result('alpha');
      const b = result('beta');
      assert.ok(a.started < b.ended && b.started < a.ended, `no overlap: alpha ${a.started}..${a.ended}, beta ${b.started}..${b.ended}`);
    });

    it("refuses every read and write of the other sleeve's run dir with EACCES", () => {
      for (const name of ['alpha', 'beta'] as const) {
        const { attempts } = result(name);
        assert.ok(Object.keys(attempts).length >= 9, JSON.stringify(attempts));
        for (const [label, code] of Object.entries(attempts)) assert.equal(code, 'EACCES', `${name}: ${label} gave ${code}`);
      }
    });

    it('reports the refusals as denials with op, path, rule fs.read / fs.write and a reason, and exits 3', () => {
      assert.equal(run.code, 3, show(run));
      assert.equal(summary.exitCode, 3);
      for (const [me, peer] of [
        ['alpha', ids.beta],
        ['beta', ids.alpha],
      ] as const) {
        const s = sleeveOf(summary, me);
        assert.equal(s.display, 'denied');
        const find = (op: string, p: string) => s.denials.find((d) => d.op === op && d.path === p);
        const read = find('read', `runs/${peer}/logs/stdout.log`);
        assert.ok(read, `${me}: no read denial of the peer log in ${JSON.stringify(s.denials, null, 2)}`);
        assert.equal(read.rule, 'fs.read');
        assert.equal(read.reason, 'no allow rule matches');
        const write = find('write', `runs/${peer}/from-${me}.txt`);
        assert.ok(write, `${me}: no write denial into the peer dir in ${JSON.stringify(s.denials, null, 2)}`);
        assert.equal(write.rule, 'fs.write');
        assert.equal(write.reason, 'no allow rule matches');
        assert.ok(find('read', 'runs'), `${me}: listing runs/ was not reported`);
        assert.ok(
          s.denials.every((d) => d.rule === 'fs.read' || d.rule === 'fs.write'),
          JSON.stringify(s.denials, null, 2),
        );
      }
    });

    it("leaves nothing of one sleeve in the other's run dir", () => {
      assert.deepEqual(
        fs
          .readdirSync(path.join(ws, 'runs'))
          .filter((n) => n !== '.batches')
          .sort(),
        [ids.alpha, ids.beta],
      );
      for (const name of ['alpha', 'beta'] as const) {
        const dir = path.join(ws, 'runs', ids[name]);
        assert.deepEqual(listTree(dir), [...runnerMade(), 'result.json', 'started'].sort());
        assert.equal(fs.readFileSync(path.join(dir, 'logs', 'stdout.log'), 'utf8'), `hello from ${name}\n`);
      }
      assert.deepEqual(summary.violations ?? [], [], 'the auditor saw a change no sleeve may make');
    });
  });

  describe('the shared candidates fallback', () => {
    let ws = '';
    let run: Run;
    let summary: Summary;
    const candidates = 'data/lakehouse/portfolio_candidates.json';

    before(async () => {
      ws = workspace(cleanups, {
        // The classic contamination: own candidates missing, fall back to the shared file.
        'sleeves/fallback.mjs': lines(
          "import fs from 'node:fs';",
          "import path from 'node:path';",
          "const own = path.join(process.env.SLEEVE_RUN_DIR, 'portfolio_candidates.json');",
          "const file = fs.existsSync(own) ? own : 'data/lakehouse/portfolio_candidates.json';",
          "const universe = JSON.parse(fs.readFileSync(file, 'utf8'));",
          "fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'optimised.json'), JSON.stringify(universe));",
        ),
        // Other spellings and routes to the same file, each caught; its own candidates work.
        'sleeves/careful.mjs': lines(
          "import fs from 'node:fs';",
          "import path from 'node:path';",
          'const runDir = process.env.SLEEVE_RUN_DIR;',
          "const shared = 'data/lakehouse/portfolio_candidates.json';",
          "const own = path.join(runDir, 'portfolio_candidates.json');",
          "fs.writeFileSync(own, JSON.stringify(['OWN']));",
          'const out = { own: JSON.parse(fs.readFileSync(own, "utf8")), errors: {} };',
          'const note = (label, e) => { out.errors[label] = { code: e.code, message: e.message, info: e.sleeveSandbox }; };',
          "try { fs.readFileSync(path.join(process.env.SLEEVE_WORKSPACE, shared)); } catch (e) { note('absolute', e); }",
          "try { fs.readFileSync('./data/lakehouse/../lakehouse/portfolio_candidates.json'); } catch (e) { note('dotdot', e); }",
          "try { await fs.promises.readFile(shared); } catch (e) { note('promises', e); }",
          "try { fs.openSync(shared, 'r'); } catch (e) { note('openSync', e); }",
          "try { fs.copyFileSync(shared, path.join(runDir, 'copy.json')); } catch (e) { note('copyFile', e); }",
          "try { fs.symlinkSync(path.join(process.env.SLEEVE_WORKSPACE, shared), path.join(runDir, 'alias.json')); } catch (e) { note('symlink', e); }",
          "try { fs.createReadStream(shared); } catch (e) { note('createReadStream', e); }",
          "fs.writeFileSync(path.join(runDir, 'out.json'), JSON.stringify(out));",
        ),
      });
      ({ run, summary } = await runBatch(ws, ['--sleeve', 'fallback=sleeves/fallback.mjs', '--sleeve', 'careful=sleeves/careful.mjs']));
    });

    it('is denied with the strict-isolation reason and the batch exits 3', () => {
      assert.equal(run.code, 3, show(run));
      assert.equal(summary.exitCode, 3);
      const s = sleeveOf(summary, 'fallback');
      const d = s.denials.find((x) => x.path === candidates);
      assert.ok(d, JSON.stringify(s.denials, null, 2));
      assert.equal(d.op, 'read');
      assert.equal(d.rule, `fs.read.deny ${JSON.stringify(candidates)}`);
      assert.match(d.reason, /^strict isolation/);
      assert.equal(d.resolved, path.join(ws, candidates));
    });

    it('fails the sleeve that did not catch it, with the reason in its own stderr log', () => {
      const s = sleeveOf(summary, 'fallback');
      assert.equal(s.status, 'failed');
      assert.equal(s.exitCode, 1);
      const log = fs.readFileSync(s.logs.stderr, 'utf8');
      assert.match(log, /EACCES|read denied/);
      assert.match(log, /strict isolation/);
      assert.equal(fs.existsSync(path.join(s.runDir, 'optimised.json')), false, 'the sleeve optimised the shared universe');
    });

    it('refuses every other route to the shared file, while the sleeve reads its own candidates', () => {
      const s = sleeveOf(summary, 'careful');
      assert.equal(s.status, 'ok', show(run));
      const out = readJson<{ own: string[]; errors: Record<string, { code: string; message: string; info?: { rule: string; reason: string } }> }>(
        path.join(s.runDir, 'out.json'),
      );
      assert.deepEqual(out.own, ['OWN']);
      assert.deepEqual(Object.keys(out.errors).sort(), ['absolute', 'copyFile', 'createReadStream', 'dotdot', 'openSync', 'promises', 'symlink']);
      for (const [label, e] of Object.entries(out.errors)) {
        assert.equal(e.code, 'EACCES', `${label}: ${e.message}`);
        assert.match(e.message, /strict isolation/, label);
        assert.match(e.info?.reason ?? '', /^strict isolation/, label);
      }
      assert.deepEqual(listTree(s.runDir), [...runnerMade(), 'out.json', 'portfolio_candidates.json'].sort());
      assert.ok(
        s.denials.every((d) => d.op === 'read' && d.resolved === path.join(ws, candidates)),
        JSON.stringify(s.denials, null, 2),
      );
    });
  });

  describe('writes into the lakehouse through every fs family', () => {
    const families = lines(
      "import fs from 'node:fs';",
      "import fsp from 'node:fs/promises';",
      "import path from 'node:path';",
      "import { pathToFileURL } from 'node:url';",
      'const runDir = process.env.SLEEVE_RUN_DIR;',
      'const ws = process.env.SLEEVE_WORKSPACE;',
      "const L = 'data/lakehouse';",
      "const f = L + '/AAPL.csv';",
      'const codes = {};',
      'const setup = {};',
      'const codeOf = (e) => (e && e.code) || String(e);',
      "const sync = (label, fn) => { try { fn(); codes[label] = 'OK'; } catch (e) { codes[label] = codeOf(e); } };",
      "const promised = async (label, fn) => { try { await fn(); codes[label] = 'OK'; } catch (e) { codes[label] = codeOf(e); } };",
      'const callback = (label, fn) => new Promise((resolve) => {',
      "  try { fn((e) => { codes[label] = e ? codeOf(e) : 'OK'; resolve(); }); } catch (e) { codes[label] = 'threw ' + codeOf(e); resolve(); }",
      '});',
      "const own = path.join(runDir, 'own.txt');",
      "fs.writeFileSync(own, 'mine');",
      "sync('writeFileSync', () => fs.writeFileSync(f, 'x'));",
      "sync('writeFileSync, absolute path', () => fs.writeFileSync(path.join(ws, f), 'x'));",
      "sync('writeFileSync, file: URL', () => fs.writeFileSync(pathToFileURL(path.join(ws, f)), 'x'));",
      "sync('writeFileSync, Buffer path', () => fs.writeFileSync(Buffer.from(f), 'x'));",
      "sync('writeFileSync, .. from the run dir', () => fs.writeFileSync(path.join(runDir, '..', '..', f), 'x'));",
      "await callback('fs.writeFile callback', (cb) => fs.writeFile(f, 'x', cb));",
      "await promised('fs.promises.writeFile', () => fsp.writeFile(f, 'x'));",
      "sync('appendFileSync', () => fs.appendFileSync(f, 'x'));",
      "await callback('fs.appendFile callback', (cb) => fs.appendFile(f, 'x', cb));",
      "await promised('fs.promises.appendFile', () => fsp.appendFile(f, 'x'));",
      "const handle = await fsp.open(f, 'r');",
      "setup['promises.open r'] = 'OK';",
      "await promised('filehandle.write', () => handle.write('x'));",
      "await promised('filehandle.writeFile', () => handle.writeFile('x'));",
      "await promised('filehandle.appendFile', () => handle.appendFile('x'));",
      "await promised('filehandle.truncate', () => handle.truncate(0));",
      "await promised('filehandle.chmod', () => handle.chmod(0o777));",
      "await promised('filehandle.utimes', () => handle.utimes(1, 1));",
      'await handle.close();',
      "const fd = fs.openSync(f, 'r');",
      "sync('writeSync on a read-only fd', () => fs.writeSync(fd, 'x'));",
      "sync('ftruncateSync on a read-only fd', () => fs.ftruncateSync(fd, 0));",
      "sync('fchmodSync on a read-only fd', () => fs.fchmodSync(fd, 0o777));",
      "sync('futimesSync on a read-only fd', () => fs.futimesSync(fd, 1, 1));",
      'fs.closeSync(fd);',
      'await new Promise((resolve) => {',
      '  let s;',
      "  try { s = fs.createWriteStream(f, { flags: 'a' }); } catch (e) { codes.createWriteStream = codeOf(e); resolve(); return; }",
      "  s.on('error', (e) => { codes.createWriteStream = codeOf(e); resolve(); });",
      "  s.on('open', () => { codes.createWriteStream = 'OK'; s.destroy(); resolve(); });",
      '});',
      "sync('copyFileSync into the lakehouse', () => fs.copyFileSync(own, L + '/copied.csv'));",
      "await promised('fs.promises.copyFile into the lakehouse', () => fsp.copyFile(own, L + '/copied2.csv'));",
      "sync('renameSync of a lakehouse file into the run dir', () => fs.renameSync(f, path.join(runDir, 'stolen.csv')));",
      "await promised('fs.promises.rename of a lakehouse file into the run dir', () => fsp.rename(f, path.join(runDir, 'stolen2.csv')));",
      "sync('renameSync of an own file into the lakehouse', () => fs.renameSync(own, L + '/planted.csv'));",
      "sync('unlinkSync', () => fs.unlinkSync(f));",
      "await promised('fs.promises.unlink', () => fsp.unlink(f));",
      "sync('rmSync recursive', () => fs.rmSync(L + '/ohlcv', { recursive: true, force: true }));",
      "sync('rmdirSync', () => fs.rmdirSync(L + '/ohlcv'));",
      "sync('mkdirSync', () => fs.mkdirSync(L + '/newdir'));",
      "await promised('fs.promises.mkdir recursive', () => fsp.mkdir(L + '/a/b', { recursive: true }));",
      "sync('mkdtempSync', () => fs.mkdtempSync(L + '/tmp-'));",
      "sync('symlinkSync', () => fs.symlinkSync('AAPL.csv', L + '/link.csv'));",
      "sync('linkSync inside the lakehouse', () => fs.linkSync(f, L + '/hard.csv'));",
      "sync('linkSync of a lakehouse file into the run dir', () => fs.linkSync(f, path.join(runDir, 'hard.csv')));",
      "sync('truncateSync', () => fs.truncateSync(f, 0));",
      "sync('utimesSync', () => fs.utimesSync(f, 1, 1));",
      "sync('chmodSync', () => fs.chmodSync(f, 0o777));",
      "sync('chownSync', () => fs.chownSync(f, process.getuid(), process.getgid()));",
      "for (const flag of ['w', 'a', 'r+', 'wx']) sync('openSync ' + flag, () => fs.openSync(f, flag));",
      "sync('openSync O_RDWR', () => fs.openSync(f, fs.constants.O_RDWR));",
      "sync('openSync O_WRONLY|O_TRUNC', () => fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_TRUNC));",
      "sync('cpSync of the lakehouse into the run dir', () => fs.cpSync(L, path.join(runDir, 'copy'), { recursive: true }));",
      "fs.writeFileSync(path.join(runDir, 'codes.json'), JSON.stringify({ codes, setup }, null, 2));",
    );
    let ws = '';
    let run: Run;
    let summary: Summary;
    let before_: Record<string, string>;

    before(async () => {
      ws = workspace(cleanups, { 'sleeves/families.mjs': families });
      before_ = snapshot(path.join(ws, 'data', 'lakehouse'));
      ({ run, summary } = await runBatch(ws, ['--sleeve', 'families=sleeves/families.mjs']));
    });

    it('refuses each write with EACCES, and the sleeve itself carries on and exits 0', () => {
      const s = sleeveOf(summary, 'families');
      assert.equal(s.status, 'ok', show(run));
      const { codes, setup } = readJson<{ codes: Record<string, string>; setup: Record<string, string> }>(path.join(s.runDir, 'codes.json'));
      assert.deepEqual(setup, { 'promises.open r': 'OK' });
      assert.ok(Object.keys(codes).length >= 44, `only ${Object.keys(codes).length} attempts recorded`);
      const notDenied = Object.entries(codes).filter(([, code]) => code !== 'EACCES');
      assert.deepEqual(notDenied, [], 'every attempt must fail with EACCES');
    });

    it('reports the refusals with rule fs.write and exits 3', () => {
      assert.equal(run.code, 3, show(run));
      const s = sleeveOf(summary, 'families');
      assert.equal(s.display, 'denied');
      const byPath = (p: string) => s.denials.find((d) => d.path === p && d.op === 'write');
      const aapl = byPath('data/lakehouse/AAPL.csv');
      assert.ok(aapl, JSON.stringify(s.denials, null, 2));
      assert.equal(aapl.rule, 'fs.write');
      assert.equal(aapl.reason, 'no allow rule matches');
      assert.equal(aapl.resolved, path.join(ws, 'data/lakehouse/AAPL.csv'));
      assert.ok(aapl.count >= 15, `AAPL.csv refused only ${aapl.count} times`);
      for (const p of ['data/lakehouse/copied.csv', 'data/lakehouse/newdir', 'data/lakehouse/link.csv', 'data/lakehouse/planted.csv']) {
        assert.equal(byPath(p)?.rule, 'fs.write', `${p} in ${JSON.stringify(s.denials, null, 2)}`);
      }
      const fd = s.denials.find((d) => d.path.startsWith('<fd '));
      assert.equal(fd?.reason, 'the descriptor was not opened for writing through the sandbox');
    });

    it('leaves the lakehouse byte for byte and timestamp for timestamp as it was', () => {
      assert.deepEqual(snapshot(path.join(ws, 'data', 'lakehouse')), before_);
      assert.deepEqual(summary.violations ?? [], [], 'the auditor saw a change');
    });

    it('copies and moves nothing of the lakehouse into the run dir', () => {
      const s = sleeveOf(summary, 'families');
      assert.deepEqual(listTree(s.runDir), [...runnerMade(), 'codes.json', 'own.txt'].sort());
      assert.equal(fs.readFileSync(path.join(s.runDir, 'own.txt'), 'utf8'), 'mine');
    });
  });

  describe('copying and listing what the policy allows to be read', () => {
    let ws = '';
    let summary: Summary;
    let run: Run;

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/allowed.mjs': lines(
          "import fs from 'node:fs';",
          "import path from 'node:path';",
          'const runDir = process.env.SLEEVE_RUN_DIR;',
          'const out = {};',
          "const t = (label, fn) => { try { out[label] = fn() ?? 'OK'; } catch (e) { out[label] = e.code + ': ' + e.message; } };",
          "t('readdirSync data/lakehouse/ohlcv', () => fs.readdirSync('data/lakehouse/ohlcv'));",
          "t('copyFileSync of a lakehouse file into the run dir', () => fs.copyFileSync('data/lakehouse/AAPL.csv', path.join(runDir, 'AAPL.csv')));",
          "t('readdirSync data/lakehouse', () => fs.readdirSync('data/lakehouse').sort());",
          "t('existsSync data/lakehouse', () => fs.existsSync('data/lakehouse'));",
          "t('cpSync of data/lakehouse/ohlcv into the run dir', () => fs.cpSync('data/lakehouse/ohlcv', path.join(runDir, 'ohlcv'), { recursive: true }));",
          "fs.writeFileSync(path.join(runDir, 'target.txt'), 'target');",
          "t('symlinkSync inside the run dir', () => fs.symlinkSync(path.join(runDir, 'target.txt'), path.join(runDir, 'link.txt')));",
          "fs.writeFileSync(path.join(runDir, 'out.json'), JSON.stringify(out, null, 2));",
        ),
      });
      ({ run, summary } = await runBatch(ws, ['--sleeve', 'allowed=sleeves/allowed.mjs']));
    });

    const out = () => readJson<Record<string, unknown>>(path.join(sleeveOf(summary, 'allowed').runDir, 'out.json'));

    it('lets a sleeve list an allowed lakehouse folder and copy a lakehouse file into its run dir', () => {
      assert.equal(sleeveOf(summary, 'allowed').status, 'ok', show(run));
      const o = out();
      assert.deepEqual(o['readdirSync data/lakehouse/ohlcv'], ['SPY.csv']);
      assert.equal(o['copyFileSync of a lakehouse file into the run dir'], 'OK');
      assert.equal(fs.readFileSync(path.join(sleeveOf(summary, 'allowed').runDir, 'AAPL.csv'), 'utf8'), 'date,close\n2024-01-02,185.6\n');
    });

    it('refuses listing data/lakehouse itself with an EACCES that names the Node permission layer (a documented limit: Node cannot grant a directory without the denied file in it)', () => {
      const o = out();
      assert.match(String(o['readdirSync data/lakehouse']), /^EACCES: .*refused by the Node permission layer/);
      assert.equal(o['existsSync data/lakehouse'], false);
      assert.ok(sleeveOf(summary, 'allowed').denials.some((d) => d.path === 'data/lakehouse' && /Node permission layer/.test(d.reason)));
    });

    it("copies an allowed lakehouse folder into the run dir with fs.cpSync, entry by entry (the guard walks it itself: Node's cp, which stats the destination's parents, is not used)", () => {
      assert.equal(out()['cpSync of data/lakehouse/ohlcv into the run dir'], 'OK');
      const copied = path.join(sleeveOf(summary, 'allowed').runDir, 'ohlcv');
      const source = path.join(ws, 'data/lakehouse/ohlcv');
      assert.deepEqual(fs.readdirSync(copied).sort(), fs.readdirSync(source).sort());
      for (const name of fs.readdirSync(source)) {
        if (fs.statSync(path.join(source, name)).isFile()) assert.deepEqual(fs.readFileSync(path.join(copied, name)), fs.readFileSync(path.join(source, name)));
      }
    });

    it('either lets a sleeve create a symlink inside its own run dir, or refuses it with EACCES and reports the denial', () => {
      const outcome = String(out()['symlinkSync inside the run dir']);
      if (outcome === 'OK') return;
      assert.match(outcome, /^EACCES: /);
      assert.ok(sleeveOf(summary, 'allowed').denials.some((d) => d.op === 'write' && d.path.endsWith('link.txt')));
    });
  });

  describe('the environment and working directory of a sleeve', () => {
    let ws = '';
    let run: Run;
    let summary: Summary;
    let seen: { env: Record<string, string>; cwd: string; execArgv: string[] };

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/env.mjs': lines(
          "import fs from 'node:fs';",
          "import path from 'node:path';",
          "fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'env.json'), JSON.stringify({ env: process.env, cwd: process.cwd(), execArgv: process.execArgv }));",
        ),
        'manifest.json': manifest([{ name: 'envprobe', entry: 'sleeves/env.mjs', runId: 'env-1', env: { EXTRA_FROM_MANIFEST: 'z' } }]),
      });
      const env = childEnv({ SECRET_FROM_PARENT: 'x', TV_VISIBLE: 'y', NODE_OPTIONS: '--max-old-space-size=256', HOME_LIKE: '/nowhere' });
      // Run from another directory, so the sleeve's cwd can only be the workspace because the runner set it.
      const run1 = await runBin(['run', '--policy', 'strict', '--workspace', ws, '--manifest', path.join(ws, 'manifest.json'), '--json'], repoRoot, env);
      run = run1;
      summary = parseSummary(run1);
      seen = readJson(path.join(ws, 'runs', 'env-1', 'env.json'));
    });

    it('succeeds with exit 0', () => {
      assert.equal(run.code, 0, show(run));
      assert.equal(sleeveOf(summary, 'envprobe').status, 'ok');
      assert.deepEqual(sleeveOf(summary, 'envprobe').denials, []);
    });

    it('keeps variables of the runner that the policy does not pass, and node options, away from the sleeve', () => {
      assert.equal(seen.env.SECRET_FROM_PARENT, undefined);
      assert.equal(seen.env.HOME_LIKE, undefined);
      assert.equal(seen.env.NODE_OPTIONS, undefined);
      assert.equal(seen.env.SLEEVE_SANDBOX_CONFIG, undefined, 'the sandbox configuration is removed before sleeve code runs');
      assert.ok(!seen.execArgv.some((a) => a.includes('256')), `NODE_OPTIONS leaked into execArgv: ${seen.execArgv.join(' ')}`);
    });

    it('passes TV_* and PATH, sets the policy variables and the manifest extras', () => {
      assert.equal(seen.env.TV_VISIBLE, 'y');
      assert.equal(seen.env.PATH, process.env.PATH);
      assert.equal(seen.env.PORTFOLIO_DATA_SOURCE, 'lakehouse_only');
      assert.equal(seen.env.TV_STRICT_ISOLATION, '1');
      assert.equal(seen.env.TV_STRICT_HEALTH, '1');
      assert.equal(seen.env.EXTRA_FROM_MANIFEST, 'z');
    });

    it('identifies the sleeve: SLEEVE_RUN_ID, SLEEVE_RUN_DIR (absolute), SLEEVE_NAME, SLEEVE_WORKSPACE, TV_RUN_ID', () => {
      assert.equal(seen.env.SLEEVE_RUN_ID, 'env-1');
      assert.equal(seen.env.TV_RUN_ID, 'env-1');
      assert.equal(seen.env.SLEEVE_RUN_DIR, path.join(ws, 'runs', 'env-1'));
      assert.equal(seen.env.SLEEVE_NAME, 'envprobe');
      assert.equal(seen.env.SLEEVE_WORKSPACE, ws);
      assert.equal(seen.env.TMPDIR, path.join(ws, 'runs', 'env-1', 'tmp'), "TMPDIR is the run dir's own tmp/");
    });

    it('sees nothing else at all', () => {
      const allowed = new Set([
        'PATH',
        'PORTFOLIO_DATA_SOURCE',
        'EXTRA_FROM_MANIFEST',
        'SLEEVE_RUN_ID',
        'SLEEVE_RUN_DIR',
        'SLEEVE_NAME',
        'SLEEVE_WORKSPACE',
        'TMPDIR',
        'NODE_V8_COVERAGE',
      ]);
      const tvFromParent = Object.keys(process.env).filter((k) => k.startsWith('TV_'));
      for (const k of ['TV_VISIBLE', 'TV_STRICT_ISOLATION', 'TV_STRICT_HEALTH', 'TV_RUN_ID', ...tvFromParent]) allowed.add(k);
      assert.deepEqual(
        Object.keys(seen.env).filter((k) => !allowed.has(k)),
        [],
      );
    });

    it('runs with the workspace root as its cwd, wherever the runner was started', () => {
      assert.equal(seen.cwd, ws);
    });
  });

  describe('limits: time and memory', () => {
    it('stops a sleeve that outlives --timeout 1: status "timeout", exit 1, within seconds', async () => {
      const ws = workspace(cleanups, { 'sleeves/loop.mjs': 'for (;;) {}\n' });
      const { run, summary } = await runBatch(ws, ['--timeout', '1', '--sleeve', 'spin=sleeves/loop.mjs']);
      assert.equal(run.code, 1, show(run));
      assert.ok(run.ms < 10_000, `the runner took ${run.ms} ms`);
      const s = sleeveOf(summary, 'spin');
      assert.equal(s.status, 'timeout');
      assert.equal(s.exitCode, null);
      assert.equal(s.signal, 'SIGTERM');
      assert.ok(s.durationMs >= 900 && s.durationMs < 8_000, `durationMs ${s.durationMs}`);
      assert.match(run.stderr, /spin: timeout \(ran past its timeout of 1000 ms: stopped with SIGTERM \(SIGKILL after \d+ ms\)\); logs in /);
    });

    it('reports a sleeve that exhausts --memory 32 as "oom" with exit 1', async () => {
      const ws = workspace(cleanups, {
        'sleeves/hog.mjs': lines('const keep = [];', 'for (;;) keep.push(new Array(100_000).fill(Math.random()));'),
      });
      const { run, summary } = await runBatch(ws, ['--memory', '32', '--sleeve', 'hog=sleeves/hog.mjs']);
      assert.equal(run.code, 1, show(run));
      const s = sleeveOf(summary, 'hog');
      assert.equal(s.status, 'oom');
      assert.match(fs.readFileSync(s.logs.stderr, 'utf8'), /heap/i);
    });
  });

  describe('sleeves that crash, exit non-zero or reject', () => {
    let run: Run;
    let summary: Summary;

    before(async () => {
      const ws = workspace(cleanups, {
        'sleeves/abort.mjs': 'process.abort();\n',
        'sleeves/seven.mjs': 'process.exit(7);\n',
        'sleeves/reject.mjs': "Promise.reject(new Error('nobody catches this'));\n",
        'sleeves/fine.mjs': "console.log('fine');\n",
      });
      ({ run, summary } = await runBatch(ws, [
        '--sleeve',
        'abort=sleeves/abort.mjs',
        '--sleeve',
        'seven=sleeves/seven.mjs',
        '--sleeve',
        'reject=sleeves/reject.mjs',
        '--sleeve',
        'fine=sleeves/fine.mjs',
      ]));
    });

    it('exits 1 and still runs and reports every sleeve', () => {
      assert.equal(run.code, 1, show(run));
      assert.equal(summary.exitCode, 1);
      assert.deepEqual(
        summary.sleeves.map((s) => s.name),
        ['abort', 'seven', 'reject', 'fine'],
      );
      assert.equal(sleeveOf(summary, 'fine').status, 'ok');
    });

    it('reports process.abort() as "crashed" with the signal', () => {
      const s = sleeveOf(summary, 'abort');
      assert.equal(s.status, 'crashed');
      assert.equal(s.signal, 'SIGABRT');
      assert.equal(s.exitCode, null);
    });

    it('reports process.exit(7) as "failed" with exitCode 7', () => {
      const s = sleeveOf(summary, 'seven');
      assert.equal(s.status, 'failed');
      assert.equal(s.exitCode, 7);
      assert.equal(s.signal, null);
    });

    it('reports an unhandled rejection as "failed", with the error in its stderr log', () => {
      const s = sleeveOf(summary, 'reject');
      assert.equal(s.status, 'failed');
      assert.notEqual(s.exitCode, 0);
      assert.match(fs.readFileSync(s.logs.stderr, 'utf8'), /nobody catches this/);
    });
  });

  describe('SIGINT to the runner', () => {
    let ws = '';
    let run: Run;
    let summary: Summary;
    let pids: number[] = [];
    let exitAfterSignalMs = 0;

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/long.mjs': lines(
          "import fs from 'node:fs';",
          "import path from 'node:path';",
          '// One of them ignores SIGTERM: the runner has to escalate to SIGKILL.',
          "if (process.env.SLEEVE_NAME === 'stubborn') process.on('SIGTERM', () => {});",
          "fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'started'), 'yes');",
          'setInterval(() => {}, 1000);',
        ),
        'manifest.json': manifest([
          { name: 'gentle', entry: 'sleeves/long.mjs', runId: 'int-gentle' },
          { name: 'stubborn', entry: 'sleeves/long.mjs', runId: 'int-stubborn' },
          { name: 'waiting', entry: 'sleeves/long.mjs', runId: 'int-waiting' },
        ]),
      });
      const started = Date.now();
      const child = startBin(['run', '--policy', 'strict', '--workspace', ws, '--manifest', 'manifest.json', '--concurrency', '2', '--json'], ws);
      const done = collect(child, 60_000, started);
      const marker = (id: string) => path.join(ws, 'runs', id, 'started');
      await waitFor('both sleeves to start', () => fs.existsSync(marker('int-gentle')) && fs.existsSync(marker('int-stubborn')), 20_000);
      pids = ['int-gentle', 'int-stubborn'].flatMap((id) => livingSleeveProcesses(path.join(ws, 'runs', id)));
      const signalledAt = Date.now();
      child.kill('SIGINT');
      run = await done;
      exitAfterSignalMs = Date.now() - signalledAt;
      summary = parseSummary(run);
    });

    it('makes the runner exit within a few seconds with a summary that says it was interrupted', () => {
      assert.ok(run.code === 1 || run.code === 3, show(run));
      // The grace period for the sleeve that ignores SIGTERM is 3 s.
      assert.ok(exitAfterSignalMs < 9_000, `the runner took ${exitAfterSignalMs} ms after SIGINT`);
      assert.equal(summary.interrupted, 'SIGINT');
      assert.equal(summary.exitCode, run.code);
      assert.match(run.stderr, /interrupted by SIGINT;.*exit \d\n/);
    });

    it('exits 1, not 3: what the interrupted sleeves wrote in their own run dirs is not a violation', () => {
      assert.deepEqual(summary.violations ?? [], []);
      assert.equal(run.code, 1, show(run));
      assert.equal(summary.exitCode, 1);
    });

    it('marks the running sleeves "interrupted" and the queued one "cancelled"', () => {
      assert.equal(sleeveOf(summary, 'gentle').status, 'interrupted');
      const stubborn = sleeveOf(summary, 'stubborn');
      assert.equal(stubborn.status, 'interrupted');
      assert.equal(stubborn.signal, 'SIGKILL', 'a sleeve ignoring SIGTERM is killed after the grace period');
      assert.equal(sleeveOf(summary, 'waiting').status, 'cancelled');
      assert.equal(fs.existsSync(path.join(ws, 'runs', 'int-waiting', 'started')), false);
    });

    it('leaves no sleeve process behind', () => {
      assert.ok(pids.length >= 2, `the two sleeves' processes were seen while they ran: ${JSON.stringify(pids)}`);
      for (const pid of pids) assert.equal(isAlive(pid), false, `sleeve process ${pid} outlived the runner`);
      assert.deepEqual(livingSleeveProcesses(ws), []);
    });
  });

  describe('run id collisions', () => {
    it('refuses a manifest run id that already exists under runs/ with exit 2, touching nothing', async () => {
      const ws = workspace(cleanups, {
        'runs/fixed/result.json': '{"from":"an earlier run"}\n',
        'sleeves/ok.mjs': "console.log('ok');\n",
        'manifest.json': manifest([
          { name: 'fresh', entry: 'sleeves/ok.mjs', runId: 'fresh-1' },
          { name: 'again', entry: 'sleeves/ok.mjs', runId: 'fixed' },
        ]),
      });
      const runs = path.join(ws, 'runs');
      const beforeRuns = snapshot(runs);
      const beforeWs = listTree(ws);
      const run = await runMain(['run', '--policy', 'strict', '--workspace', ws, '--manifest', 'manifest.json'], ws);
      assert.equal(run.code, 2, show(run));
      assert.match(run.stderr, /manifest\.json:\d+:\d+ \(sleeves\[1\]\): run id fixed already exists/);
      assert.deepEqual(snapshot(runs), beforeRuns, 'runs/ changed');
      assert.deepEqual(listTree(ws), beforeWs);
      assert.equal(run.stdout, '');
    });
  });

  describe('a default-exported function gets the context', () => {
    let ws = '';
    let run: Run;
    let summary: Summary;
    const body = (kind: string) =>
      `await ctx.fs.writeJson(path.join(ctx.runDir, 'ctx.json'), { kind: '${kind}', runId: ctx.runId, runDir: ctx.runDir, name: ctx.name, read: await ctx.fs.readText('data/lakehouse/AAPL.csv'), frozen: Object.isFrozen(ctx) });`;

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/typed.ts': lines(
          "import path from 'node:path';",
          'interface Ctx {',
          '  runId: string;',
          '  runDir: string;',
          '  name: string;',
          '  fs: { readText(p: string): Promise<string>; writeJson(p: string, v: unknown): Promise<void> };',
          '}',
          'export default async function run(ctx: Ctx): Promise<void> {',
          `  ${body('ts')}`,
          '}',
        ),
        'sleeves/plain.mjs': lines("import path from 'node:path';", 'export default async (ctx) => {', `  ${body('mjs')}`, '};'),
        'sleeves/common.cjs': lines("const path = require('node:path');", 'module.exports = async (ctx) => {', `  ${body('cjs')}`, '};'),
        'manifest.json': manifest([
          { name: 'typed', entry: 'sleeves/typed.ts', runId: 'ctx-ts' },
          { name: 'plain', entry: 'sleeves/plain.mjs', runId: 'ctx-mjs' },
          { name: 'common', entry: 'sleeves/common.cjs', runId: 'ctx-cjs' },
        ]),
      });
      ({ run, summary } = await runBatch(ws, ['--manifest', 'manifest.json']));
    });

    for (const [name, kind, runId] of [
      ['typed', 'ts', 'ctx-ts'],
      ['plain', 'mjs', 'ctx-mjs'],
      ['common', 'cjs', 'ctx-cjs'],
    ] as const) {
      it(`calls the default export of a .${kind} entry with runId, runDir, name and a working ctx.fs`, () => {
        assert.equal(run.code, 0, show(run));
        assert.equal(sleeveOf(summary, name).status, 'ok');
        const runDir = path.join(ws, 'runs', runId);
        assert.deepEqual(readJson(path.join(runDir, 'ctx.json')), {
          kind,
          runId,
          runDir,
          name,
          read: 'date,close\n2024-01-02,185.6\n',
          frozen: true,
        });
      });
    }
  });

  describe('a rogue sleeve', () => {
    it('shows both denials, the fallback read and the lakehouse write, in the stderr summary', async () => {
      const ws = workspace(cleanups, {
        'sleeves/rogue.ts': lines(
          "import fs from 'node:fs';",
          'const failures: string[] = [];',
          "try { fs.readFileSync('data/lakehouse/portfolio_candidates.json', 'utf8'); } catch (e) { failures.push((e as NodeJS.ErrnoException).code ?? '?'); }",
          "try { fs.appendFileSync('data/lakehouse/AAPL.csv', '2099-12-31,0.01\\n'); } catch (e) { failures.push((e as NodeJS.ErrnoException).code ?? '?'); }",
          "console.error('rogue: ' + failures.join(','));",
          'process.exitCode = failures.length > 0 ? 1 : 0;',
        ),
      });
      const before_ = snapshot(path.join(ws, 'data', 'lakehouse'));
      const { run, summary } = await runBatch(ws, ['--sleeve', 'rogue=sleeves/rogue.ts']);
      assert.equal(run.code, 3, `a denial (3) outranks a failed sleeve (1)\n${show(run)}`);
      assert.equal(sleeveOf(summary, 'rogue').status, 'failed');
      assert.ok(
        run.stderr.includes(
          '  rogue: read denied: data/lakehouse/portfolio_candidates.json (policy strict, fs.read.deny "data/lakehouse/portfolio_candidates.json": strict isolation: ',
        ),
        show(run),
      );
      assert.ok(run.stderr.includes('  rogue: write denied: data/lakehouse/AAPL.csv (policy strict, fs.write: no allow rule matches)'), show(run));
      assert.match(run.stderr, /sleeve-sandbox: 0\/1 ok;.*exit 3\n/);
      assert.match(fs.readFileSync(sleeveOf(summary, 'rogue').logs.stderr, 'utf8'), /rogue: EACCES,EACCES/);
      assert.deepEqual(snapshot(path.join(ws, 'data', 'lakehouse')), before_);
    });
  });
});
