/**
 * `sleeve-sandbox run --mode isolate` end to end, against process mode on the
 * same inputs: the example batch gives the same files in both modes, a table
 * of ctx.fs operations gives the same decisions, errors and reports in both,
 * limits end as oom/timeout while the rest of the batch goes on, and bad
 * input about modes stops the batch before anything runs (exit 2).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import { repoRoot as REPO, runBinSync } from '../../helpers/cli.js';

const EXAMPLE = path.join(REPO, 'examples', 'meta-portfolio');

interface SleeveReport {
  name: string;
  runId: string;
  runDir: string;
  status: string;
  exitCode: number | null;
  layers: string[];
  mode?: string;
  isolate?: { cpuMs: number; wallMs: number; heap: { usedBytes: number; limitBytes: number; totalBytes: number } | null };
  denials: Array<{ op: string; path: string; rule: string; syscall: string }>;
  writes: number;
  error?: string;
}
interface AuditReport {
  verdict: string;
  exitCode: number;
  sleeves: SleeveReport[];
  violations: unknown[];
}

function run(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = runBinSync(['run', ...args], cwd, { timeoutMs: 120_000 });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

function readReport(dir: string): AuditReport {
  return JSON.parse(fs.readFileSync(path.join(dir, 'audit.json'), 'utf8')) as AuditReport;
}

/** Every file of a run dir but its logs, with run ids taken out of names and contents. */
function runFiles(runDir: string, runId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(runDir, { recursive: true }).map(String).sort()) {
    if (rel === 'logs' || rel.startsWith(`logs${path.sep}`)) continue;
    const abs = path.join(runDir, rel);
    if (!fs.statSync(abs).isFile()) continue;
    out[rel.split(runId).join('<run>')] = fs.readFileSync(abs, 'utf8').split(runId).join('<run>');
  }
  return out;
}

function copyExample(): { dir: string; cleanup: () => void } {
  const tmp = makeTempDir('sleeve-iso-example-');
  fs.cpSync(EXAMPLE, tmp.dir, { recursive: true });
  fs.rmSync(path.join(tmp.dir, 'runs'), { recursive: true, force: true });
  return tmp;
}

// The example's Python sleeves need the OS layer; --mode isolate applies to its Node sleeves.
describe('isolate mode: the example batch', { skip: needsOsLayer }, () => {
  it('gives the same outputs in isolate mode as in process mode, with isolate stats in audit.json', () => {
    const proc = copyExample();
    const iso = copyExample();
    const reports = makeTempDir('sleeve-iso-reports-');
    try {
      const a = run(proc.dir, ['--manifest', 'sleeve-manifest.json', '--report-dir', path.join(reports.dir, 'p')]);
      const b = run(iso.dir, ['--manifest', 'sleeve-manifest.json', '--mode', 'isolate', '--report-dir', path.join(reports.dir, 'i')]);
      assert.equal(a.status, 0, a.stderr);
      assert.equal(b.status, 0, b.stderr);
      const pr = readReport(path.join(reports.dir, 'p'));
      const ir = readReport(path.join(reports.dir, 'i'));
      assert.equal(ir.verdict, 'clean');
      assert.equal(ir.sleeves.length, 6);
      assert.deepEqual(
        ir.sleeves.filter((s) => s.mode === 'command').map((s) => [s.name, s.status]),
        [
          ['momentum_py', 'ok'],
          ['low_vol_py', 'ok'],
        ],
        'the command steps run as commands (inside the OS layer) whatever --mode says',
      );
      for (const s of ir.sleeves.filter((x) => x.mode !== 'command')) {
        const twin = pr.sleeves.find((x) => x.name === s.name) as SleeveReport;
        assert.equal(s.status, 'ok');
        assert.equal(s.mode, 'isolate');
        assert.equal(twin.mode, 'process');
        assert.deepEqual(s.layers, ['os', 'isolate', 'fs-guard', 'node-permission', 'auditor']);
        assert.ok(!twin.layers.includes('isolate'));
        assert.ok(s.isolate && s.isolate.cpuMs > 0 && s.isolate.wallMs >= s.isolate.cpuMs * 0.5, JSON.stringify(s.isolate));
        assert.ok(s.isolate.heap && s.isolate.heap.usedBytes > 0 && s.isolate.heap.limitBytes > s.isolate.heap.usedBytes);
        assert.equal(twin.isolate, undefined);
        const pFiles = runFiles(twin.runDir, twin.runId);
        const iFiles = runFiles(s.runDir, s.runId);
        assert.ok(Object.keys(pFiles).length >= 3, `process-mode ${s.name} wrote ${Object.keys(pFiles).join(', ')}`);
        assert.deepEqual(iFiles, pFiles, `${s.name}: isolate-mode outputs differ from process mode`);
        assert.equal(s.writes, twin.writes, `${s.name}: the guard reported a different number of writes`);
        // The logs say the same things too (the sleeves log only strings).
        const log = (r: SleeveReport) =>
          fs
            .readFileSync(path.join(r.runDir, 'logs', 'stdout.log'), 'utf8')
            .split(r.runDir)
            .join('<run>')
            .split(r.runId)
            .join('<run>');
        assert.equal(log(s), log(twin));
      }
      const md = fs.readFileSync(path.join(reports.dir, 'i', 'audit.md'), 'utf8');
      assert.match(md, /\| ma\\_long \| [^|]+ \| strict \| isolate \| yes \| ok \|/);
    } finally {
      proc.cleanup();
      iso.cleanup();
      reports.cleanup();
    }
  });

  it('runs the rogue sleeve in isolate mode: both denials reported, exit 3, lakehouse intact', () => {
    const ws = copyExample();
    const reports = makeTempDir('sleeve-iso-reports-');
    try {
      const before = fs.readFileSync(path.join(ws.dir, 'data/lakehouse/ohlcv/AAPL.csv'));
      const r = run(ws.dir, ['--policy', 'strict', '--sleeve', 'rogue=sleeves/rogue.ts', '--mode', 'isolate', '--report-dir', reports.dir]);
      assert.equal(r.status, 3, r.stderr);
      const rep = readReport(reports.dir);
      const rogue = rep.sleeves[0] as SleeveReport;
      assert.deepEqual(rogue.denials.map((d) => `${d.op} ${d.path}`).sort(), [
        'read data/lakehouse/portfolio_candidates.json',
        'write data/lakehouse/ohlcv/AAPL.csv',
      ]);
      assert.deepEqual(fs.readFileSync(path.join(ws.dir, 'data/lakehouse/ohlcv/AAPL.csv')), before);
    } finally {
      ws.cleanup();
      reports.cleanup();
    }
  });
});

/**
 * One sleeve file, run in both modes: each case calls ctx.fs and records the
 * result or the error's name, code and message. `{run}` is the run dir.
 */
const PARITY_SLEEVE = `
const CASES = [
  ['readText', 'data/lakehouse/AAPL.csv'],
  ['readText', 'data/lakehouse/portfolio_candidates.json'],
  ['readJson', 'data/lakehouse/portfolio_candidates.json'],
  ['readText', 'data/lakehouse/../lakehouse/./MSFT.csv'],
  ['readText', 'data/lakehouse/missing.csv'],
  ['readText', 'secrets/token.txt'],
  ['readText', '/etc/hostname'],
  ['readText', 'runs/other/own.txt'],
  ['readFile', 'data/lakehouse/ohlcv/SPY.csv'],
  ['readJson', 'data/lakehouse/AAPL.csv'],
  ['readdir', 'data/lakehouse/ohlcv'],
  ['readdir', 'secrets'],
  ['stat', 'data/lakehouse/AAPL.csv'],
  ['stat', 'secrets/token.txt'],
  ['exists', 'data/lakehouse/AAPL.csv'],
  ['exists', 'data/lakehouse/nope.csv'],
  ['exists', 'data/lakehouse/portfolio_candidates.json'],
  ['writeText', '{run}/out.txt', 'hello'],
  ['appendFile', '{run}/out.txt', ' world'],
  ['readText', '{run}/out.txt'],
  ['writeJson', '{run}/v.json', { a: [1, 2], b: 'x' }],
  ['readJson', '{run}/v.json'],
  ['writeFile', '{run}/bytes.bin', 'bytes'],
  ['readFile', '{run}/bytes.bin'],
  ['mkdir', '{run}/sub/deeper', { recursive: true }],
  ['mkdir', '{run}/a/b'],
  ['rename', '{run}/out.txt', '{run}/sub/moved.txt'],
  ['readdir', '{run}/sub'],
  ['rm', '{run}/sub', { recursive: true }],
  ['rm', '{run}/never'],
  ['rm', '{run}/never', { force: true }],
  ['writeText', 'data/lakehouse/AAPL.csv', 'overwritten'],
  ['writeText', 'data/lakehouse/new.csv', 'x'],
  ['writeText', 'runs/other/own.txt', 'x'],
  ['writeText', '{run}/../other/planted.txt', 'x'],
  ['appendFile', 'data/lakehouse/AAPL.csv', 'x'],
  ['mkdir', 'data/lakehouse/newdir'],
  ['rm', 'data/lakehouse/MSFT.csv'],
  ['rename', 'data/lakehouse/MSFT.csv', '{run}/stolen.csv'],
  ['rename', '{run}/v.json', 'data/lakehouse/v.json'],
  ['writeText', 42, 'x'],
  ['readText', { toString: null }],
  ['writeFile', '{run}/n.bin', 17],
];
export default async function (ctx) {
  const out = [];
  const fix = (v) => (typeof v === 'string' ? v.split('{run}').join(ctx.runDir) : v);
  for (const [op, ...args] of CASES) {
    const shown = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
    try {
      let value = await ctx.fs[op](...args.map(fix));
      if (value instanceof Uint8Array) value = 'bytes:' + Array.from(value).join(',');
      if (op === 'stat') value = { size: value.size, isFile: value.isFile, isDirectory: value.isDirectory, mtime: typeof value.mtimeMs };
      out.push({ op, args: shown, ok: true, value: value === undefined ? null : value });
    } catch (e) {
      out.push({ op, args: shown, ok: false, name: e.name, code: e.code ?? null, syscall: e.syscall ?? null, message: String(e.message).split(ctx.runDir).join('{run}') });
    }
  }
  await ctx.fs.writeJson(ctx.runDir + '/parity.json', out);
}
`;

describe('isolate mode: policy parity', () => {
  it('gives the same decisions, values and errors as process mode for a table of ctx.fs operations', () => {
    const results: Record<string, unknown[]> = {};
    const denials: Record<string, string[]> = {};
    for (const mode of ['process', 'isolate']) {
      const ws = makeWorkspace();
      const reports = makeTempDir('sleeve-iso-reports-');
      try {
        writeTree(ws.dir, { 'runs/other/own.txt': 'victim\n', 'sleeves/parity.mjs': PARITY_SLEEVE });
        const lakeBefore = fs.readFileSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), 'utf8');
        const r = run(ws.dir, ['--policy', 'strict', '--sleeve', 'parity=sleeves/parity.mjs', '--mode', mode, '--report-dir', reports.dir]);
        const rep = readReport(reports.dir);
        const s = rep.sleeves[0] as SleeveReport;
        assert.equal(r.status, 3, `${mode}: ${r.stderr}`);
        assert.equal(s.status, 'ok', `${mode}: ${s.error}`);
        results[mode] = JSON.parse(fs.readFileSync(path.join(s.runDir, 'parity.json'), 'utf8')) as unknown[];
        denials[mode] = s.denials.map((d) => `${d.op} ${d.path.split(s.runDir).join('{run}')} ${d.rule}`).sort();
        assert.equal(fs.readFileSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), 'utf8'), lakeBefore);
        assert.equal(fs.readFileSync(path.join(ws.dir, 'runs/other/own.txt'), 'utf8'), 'victim\n');
        assert.ok(fs.existsSync(path.join(ws.dir, 'data/lakehouse/MSFT.csv')));
        assert.ok(!fs.existsSync(path.join(ws.dir, 'runs/other/planted.txt')));
      } finally {
        ws.cleanup();
        reports.cleanup();
      }
    }
    const p = results.process as Array<{ op: string; args: string[] }>;
    const i = results.isolate as Array<{ op: string; args: string[] }>;
    assert.equal(i.length, p.length);
    for (let k = 0; k < p.length; k++) assert.deepEqual(i[k], p[k], `case ${k}: ${p[k]?.op}(${p[k]?.args.join(', ')})`);
    // The cases do refuse things (the table is not vacuous), and the reports agree.
    assert.ok((denials.process as string[]).length >= 8, (denials.process as string[]).join('\n'));
    assert.deepEqual(denials.isolate, denials.process);
  });
});

describe('isolate mode: limits', () => {
  it('ends a memory hog as oom and an endless loop as timeout, while the rest of the batch goes on', () => {
    const ws = makeWorkspace();
    const reports = makeTempDir('sleeve-iso-reports-');
    try {
      writeTree(ws.dir, {
        'policies/small.json': JSON.stringify({ version: 1, name: 'small', extends: 'strict', resources: { memoryMiB: 64, timeoutSeconds: 3 } }),
        'sleeves/hog.mjs': 'export default async function () { const keep = []; for (;;) keep.push(new Array(1e5).fill(1.5)); }\n',
        'sleeves/spin.mjs': 'export default async function () { await 0; for (;;) {} }\n',
        'sleeves/good.mjs': "export default async function (ctx) { await ctx.fs.writeText(ctx.runDir + '/ok.txt', 'fine'); }\n",
      });
      const started = Date.now();
      const r = run(ws.dir, [
        '--policy',
        'policies/small.json',
        '--mode',
        'isolate',
        '--sleeve',
        'hog=sleeves/hog.mjs',
        '--sleeve',
        'spin=sleeves/spin.mjs',
        '--sleeve',
        'good=sleeves/good.mjs',
        '--concurrency',
        '3',
        '--cpus',
        '3',
        '--report-dir',
        reports.dir,
      ]);
      assert.equal(r.status, 1, r.stderr);
      assert.ok(Date.now() - started < 60_000);
      const rep = readReport(reports.dir);
      const by = (n: string) => rep.sleeves.find((s) => s.name === n) as SleeveReport;
      assert.equal(by('hog').status, 'oom', JSON.stringify(by('hog')));
      assert.match(by('hog').error ?? '', /memory limit of 64 MiB/);
      assert.equal(by('spin').status, 'timeout', JSON.stringify(by('spin')));
      assert.match(by('spin').error ?? '', /timeout of 3000 ms/);
      assert.ok((by('spin').isolate?.cpuMs ?? 0) > 1000, 'the spinning isolate used CPU up to its timeout');
      assert.equal(by('good').status, 'ok');
      assert.equal(fs.readFileSync(path.join(by('good').runDir, 'ok.txt'), 'utf8'), 'fine');
    } finally {
      ws.cleanup();
      reports.cleanup();
    }
  });
});

describe('isolate mode: choosing it, and bad input', () => {
  const layersOf = (dir: string) => (readReport(dir).sleeves[0] as SleeveReport).layers;

  it('is chosen by a policy, a manifest step or the manifest, and cannot be lowered by --mode process', () => {
    const ws = makeWorkspace();
    const reports = makeTempDir('sleeve-iso-reports-');
    try {
      writeTree(ws.dir, {
        'policies/iso.json': JSON.stringify({ version: 1, name: 'iso', extends: 'strict', mode: 'isolate' }),
        'policies/lower.json': JSON.stringify({ version: 1, name: 'lower', extends: 'iso.json', mode: 'process' }),
        'sleeves/probe.mjs': "export default async function (ctx) { await ctx.fs.writeText(ctx.runDir + '/seen.txt', typeof process); }\n",
        'm1.json': JSON.stringify({ version: 1, policy: 'strict', sleeves: [{ name: 'a', entry: 'sleeves/probe.mjs', mode: 'isolate' }] }),
        'm2.json': JSON.stringify({ version: 1, policy: 'strict', mode: 'isolate', sleeves: [{ name: 'b', entry: 'sleeves/probe.mjs', mode: 'process' }] }),
      });
      const cases: Array<[string, string[]]> = [
        ['policy', ['--policy', 'policies/iso.json', '--sleeve', 'p=sleeves/probe.mjs', '--mode', 'process']],
        ['extending policy', ['--policy', 'policies/lower.json', '--sleeve', 'q=sleeves/probe.mjs']],
        ['manifest step', ['--manifest', 'm1.json', '--mode', 'process']],
        ['manifest', ['--manifest', 'm2.json']],
      ];
      for (const [label, args] of cases) {
        const dir = path.join(reports.dir, label.replace(/\W/g, '_'));
        const r = run(ws.dir, [...args, '--report-dir', dir]);
        assert.equal(r.status, 0, `${label}: ${r.stderr}`);
        assert.ok(layersOf(dir).includes('isolate'), `${label}: ${layersOf(dir).join(',')}`);
        const s = readReport(dir).sleeves[0] as SleeveReport;
        assert.equal(fs.readFileSync(path.join(s.runDir, 'seen.txt'), 'utf8'), 'undefined', label);
      }
      const plain = path.join(reports.dir, 'plain');
      assert.equal(run(ws.dir, ['--policy', 'strict', '--sleeve', 'z=sleeves/probe.mjs', '--report-dir', plain]).status, 0);
      assert.ok(!layersOf(plain).includes('isolate'));
      const s = readReport(plain).sleeves[0] as SleeveReport;
      assert.equal(fs.readFileSync(path.join(s.runDir, 'seen.txt'), 'utf8'), 'object');
    } finally {
      ws.cleanup();
      reports.cleanup();
    }
  });

  it('refuses bad modes and what an isolate cannot load with exit 2, before anything runs', () => {
    const ws = makeWorkspace();
    try {
      writeTree(ws.dir, {
        'sleeves/fs.mjs': "import fs from 'node:fs';\nexport default async function () { fs.writeFileSync('data/lakehouse/x', 'x'); }\n",
        'sleeves/pkg.mjs': "import x from 'left-pad';\nexport default async function () { return x; }\n",
        'sleeves/req.cjs': "const other = require('./other.mjs');\nmodule.exports = () => other;\n",
        'sleeves/dyn.mjs': "export default async function () { await import('./other.mjs'); }\n",
        'sleeves/other.mjs': 'export const y = 1;\n',
        'sleeves/ok.mjs': 'export default async function () {}\n',
        'bad-manifest.json': '{\n  "version": 1,\n  "policy": "strict",\n  "sleeves": [{ "name": "a", "entry": "sleeves/ok.mjs", "mode": "vm" }]\n}\n',
        'policies/bad.json': JSON.stringify({ version: 1, name: 'bad', extends: 'strict', mode: 'sandbox' }),
      });
      const expectations: Array<[string[], RegExp]> = [
        [['--policy', 'strict', '--sleeve', 'a=sleeves/ok.mjs', '--mode', 'vm'], /--mode must be "process" or "isolate", got "vm"/],
        [['--manifest', 'bad-manifest.json'], /bad-manifest\.json:4:\d+.*mode.*expected "process" or "isolate"/s],
        [['--policy', 'policies/bad.json', '--sleeve', 'a=sleeves/ok.mjs'], /bad\.json.*mode.*expected "process" or "isolate"/s],
        [['--policy', 'strict', '--sleeve', 'a=sleeves/fs.mjs', '--mode', 'isolate'], /sleeves\/fs\.mjs:1:\d+.*"node:fs".*isolate mode has no Node API/s],
        [['--policy', 'strict', '--sleeve', 'a=sleeves/pkg.mjs', '--mode', 'isolate'], /"left-pad".*only the sleeve's own modules/s],
        [['--policy', 'strict', '--sleeve', 'a=sleeves/req.cjs', '--mode', 'isolate'], /require\(\) is not available in isolate mode/],
        [['--policy', 'strict', '--sleeve', 'a=sleeves/dyn.mjs', '--mode', 'isolate'], /dynamic import\(\) is not available in isolate mode/],
      ];
      for (const [args, message] of expectations) {
        const r = run(ws.dir, args);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
        assert.deepEqual(fs.readdirSync(path.join(ws.dir, 'runs')), [], `${args.join(' ')} created a run dir`);
      }
    } finally {
      ws.cleanup();
    }
  });
});
