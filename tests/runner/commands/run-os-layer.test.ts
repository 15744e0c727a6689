/**
 * The OS layer end to end, through the real bin and real bubblewrap: the
 * example batch (TypeScript and Python sleeves) inside it, the Python rogue,
 * what a sleeve sees from inside (identity, capabilities, /proc, the file
 * system, the environment, the network), the kernel's accounting, choosing
 * the layer (raised, never lowered; command steps need it), and a machine
 * where bubblewrap is missing or refused. Skipped where bubblewrap cannot run,
 * except in CI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type AuditReport, auditReportSchema } from '../../../runner/audit/schema.js';
import { parseSummary, repoRoot, runBin, show, workspace } from '../../faults/harness.js';
import { childEnv, runBinSync, runMain } from '../../helpers/cli.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import { makeTempDir, snapshotTree } from '../../helpers/tmp.js';

const EXAMPLE = path.join(repoRoot, 'examples', 'meta-portfolio');
const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups.reverse()) c();
});

function report(summaryPath: string): AuditReport {
  return auditReportSchema.parse(JSON.parse(fs.readFileSync(summaryPath, 'utf8')));
}

/** A copy of the example workspace (without runs/ and reports/), so that tests never touch the repository's. */
function exampleCopy(): string {
  const tmp = makeTempDir('sleeve-os-example-');
  cleanups.push(tmp.cleanup);
  fs.cpSync(EXAMPLE, tmp.dir, { recursive: true, filter: (src) => !/[/\\](?:runs|reports)$/.test(src) });
  return tmp.dir;
}

const PROBE_PY = `import json, os, socket
# The environment as exec'd (Python adds LC_CTYPE to os.environ itself when it coerces the C locale).
env = dict(e.split("=", 1) for e in open("/proc/self/environ", "rb").read().decode().split("\\0") if e)
out = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "env": env, "cwd": os.getcwd()}
status = open("/proc/self/status").read()
out["capEff"] = [l.split()[1] for l in status.splitlines() if l.startswith("CapEff")][0]
out["noNewPrivs"] = [l.split()[1] for l in status.splitlines() if l.startswith("NoNewPrivs")][0]
out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
out["root"] = sorted(os.listdir("/"))
out["workspace"] = sorted(os.listdir("."))
out["tmp"] = sorted(os.listdir("/tmp"))
def tries(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return e.__class__.__name__
out["writeTmp"] = tries(lambda: open("/tmp/x", "w"))
out["writeTMPDIR"] = tries(lambda: open(os.path.join(os.environ["TMPDIR"], "x"), "w").write("x"))
out["connect"] = tries(lambda: socket.create_connection(("127.0.0.1", int(os.environ["PORT"])), timeout=2))
out["fallback"] = open("data/lakehouse/portfolio_candidates.json").read()
out["hostname"] = socket.gethostname()
import multiprocessing
out["pool"] = tries(lambda: multiprocessing.Pool(2).map(abs, [-1, -2]))
with open(os.path.join(os.environ["SLEEVE_RUN_DIR"], "probe.json"), "w") as f:
    json.dump(out, f)
`;

describe('the OS layer (bubblewrap)', { skip: needsOsLayer }, () => {
  it('runs the example batch, TypeScript and Python sleeves, clean inside it', async () => {
    const ws = exampleCopy();
    const run = await runBin(['run', '--policy', 'strict', '--manifest', 'sleeve-manifest.json', '--os-layer', 'required', '--json'], ws);
    assert.equal(run.status, 0, show(run));
    const r = report(parseSummary(run).reports.json);
    assert.equal(r.verdict, 'clean');
    assert.deepEqual(
      r.sleeves.map((s) => [s.name, s.status, s.mode]),
      [
        ['ma_long', 'ok', 'process'],
        ['ma_short', 'ok', 'process'],
        ['mean_reversion', 'ok', 'process'],
        ['vol_target', 'ok', 'process'],
        ['momentum_py', 'ok', 'command'],
        ['low_vol_py', 'ok', 'command'],
      ],
    );
    for (const s of r.sleeves) {
      assert.equal(s.os?.used, true, s.name);
      assert.equal(s.os?.setting, 'required');
      assert.equal(s.os?.network, 'closed');
      assert.equal(s.layers[0], 'os');
      assert.equal(s.os?.denialsItemised, s.mode !== 'command');
      const files = s.artifacts.map((a) => path.basename(a.path)).sort();
      assert.deepEqual(files, ['portfolio_candidates.json', 'report.json', 'report.md'], s.name);
      const mounts = JSON.parse(fs.readFileSync(path.join(s.runDir, 'logs', 'os-layer.json'), 'utf8')) as { mounts: Array<{ kind: string; path: string }> };
      assert.ok(mounts.mounts.some((m) => m.kind === 'rw' && m.path === s.runDir));
      assert.ok(!mounts.mounts.some((m) => m.path.startsWith(path.join(ws, 'secrets'))));
    }
    const py = r.sleeves.find((s) => s.name === 'momentum_py');
    assert.deepEqual(py?.command?.slice(1), ['sleeves/python/momentum.py', '--count', '10']);
    const cands = JSON.parse(fs.readFileSync(path.join(py?.runDir ?? '', 'portfolio_candidates.json'), 'utf8')) as { symbols: string[] };
    assert.equal(cands.symbols.length, 10);
  });

  it('refuses everything the Python rogue tries, changes nothing, and the run is not clean', async () => {
    const ws = exampleCopy();
    const skip = (rel: string) => rel === 'runs' || rel.startsWith('runs/') || rel === 'reports' || rel.startsWith('reports/');
    const before = snapshotTree(ws, skip);
    const run = await runBin(['run', '--manifest', 'rogue-python.json', '--json'], ws);
    assert.equal(run.status, 1, show(run));
    assert.deepEqual(snapshotTree(ws, skip), before, 'the workspace outside runs/ changed');
    const r = report(parseSummary(run).reports.json);
    const rogue = r.sleeves[0];
    assert.equal(r.verdict, 'failed');
    assert.equal(rogue?.status, 'failed');
    assert.equal(rogue?.os?.used, true);
    assert.equal(rogue?.os?.setting, 'required', 'a command step needs the kernel');
    assert.match(rogue?.os?.from ?? '', /command step/);
    assert.equal(rogue?.os?.denialsItemised, false);
    const log = fs.readFileSync(path.join(rogue?.runDir ?? '', 'logs', 'stdout.log'), 'utf8');
    for (const line of [
      'read the shared candidates fallback: refused',
      'append to the shared lakehouse: refused',
      'create a file in the lakehouse: refused',
      'open a socket: refused',
      'read secrets/: refused',
    ]) {
      assert.ok(log.includes(line), `${line} in\n${log}`);
    }
    const md = fs.readFileSync(parseSummary(run).reports.markdown, 'utf8');
    assert.match(md, /not itemised/);
  });

  it('gives a sleeve no root, no capability, its own pid namespace, /proc, empty /tmp, TMPDIR in its run dir, no network and exactly its environment', async () => {
    const ws = workspace(cleanups, { 'sleeves/probe/probe.py': PROBE_PY });
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    fs.writeFileSync(
      path.join(ws, 'manifest.json'),
      JSON.stringify({
        version: 1,
        policy: 'strict',
        sleeves: [{ name: 'probe', runId: 'probe', command: ['python3', 'sleeves/probe/probe.py'], env: { PORT: String(port) } }],
      }),
    );
    const run = await runBin(['run', '--manifest', 'manifest.json', '--json'], ws);
    server.close();
    assert.equal(run.status, 0, show(run));
    const seen = JSON.parse(fs.readFileSync(path.join(ws, 'runs', 'probe', 'probe.json'), 'utf8')) as Record<string, unknown> & { env: Record<string, string> };
    assert.notEqual(seen.uid, 0, 'the sleeve is not root');
    assert.equal(seen.capEff, '0000000000000000');
    assert.equal(seen.noNewPrivs, '1');
    assert.ok(
      (seen.pids as number[]).every((p) => p < 20),
      `pids of another namespace: ${JSON.stringify(seen.pids)}`,
    );
    // /tmp holds nothing but the directories on the way to what is mounted (the workspace lives in /tmp here).
    const onTheWay = ws.startsWith('/tmp/') ? [ws.slice('/tmp/'.length).split('/')[0]] : [];
    assert.deepEqual(seen.tmp, onTheWay);
    assert.equal(seen.writeTmp, 'OSError', '/tmp is read-only');
    assert.equal(seen.writeTMPDIR, 'ok');
    assert.equal(seen.pool, 'ok', "Python's multiprocessing works (its own bounded /dev/shm)");
    assert.equal(seen.env.TMPDIR, path.join(ws, 'runs', 'probe', 'tmp'));
    assert.equal(seen.connect === 'ok', false, 'the host loopback is out of reach');
    assert.equal(seen.fallback, '', 'the denied fallback is masked by an empty file');
    assert.deepEqual(seen.workspace, ['data', 'runs', 'sleeves'], 'nothing else of the workspace exists (no secrets/)');
    assert.equal(seen.cwd, ws);
    assert.deepEqual(
      Object.keys(seen.env).sort(),
      [
        'PATH',
        'PORT',
        'PORTFOLIO_DATA_SOURCE',
        'SLEEVE_NAME',
        'SLEEVE_RUN_DIR',
        'SLEEVE_RUN_ID',
        'SLEEVE_WORKSPACE',
        'TMPDIR',
        'TV_RUN_ID',
        'TV_STRICT_HEALTH',
        'TV_STRICT_ISOLATION',
        ...Object.keys(process.env).filter((k) => k.startsWith('TV_') && !['TV_RUN_ID', 'TV_STRICT_HEALTH', 'TV_STRICT_ISOLATION'].includes(k)),
      ].sort(),
    );
    const owner = fs.statSync(path.join(ws, 'runs', 'probe', 'probe.json')).uid;
    if (process.getuid?.() === 0) assert.ok(owner >= 2_000_000_000, `files of a root runner's sleeve belong to its own uid, not ${owner}`);
  });

  it('attributes to a sleeve what changed in its run dir while its sandbox lived, and still flags what changed there after', async () => {
    const ws = workspace(cleanups, {
      'sleeves/py/writes.py': 'import os, time\nopen(os.path.join(os.environ["SLEEVE_RUN_DIR"], "unreported.txt"), "w").write("x")\n',
      'manifest.json': JSON.stringify({
        version: 1,
        policy: 'strict',
        sleeves: [
          { name: 'py', runId: 'py', command: ['python3', 'sleeves/py/writes.py'] },
          { name: 'slow', runId: 'slow', entry: 'sleeves/slow.mjs' },
        ],
      }),
      // A sibling that outlives py and, as an outside actor would, writes into py's finished run dir.
      'sleeves/slow.mjs': 'await new Promise((r) => setTimeout(r, 2500));\n',
    });
    const child = runBin(['run', '--manifest', 'manifest.json', '--concurrency', '2', '--json'], ws);
    const target = path.join(ws, 'runs', 'py', 'unreported.txt');
    for (let i = 0; i < 200 && !fs.existsSync(target); i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 2000));
    fs.writeFileSync(path.join(ws, 'runs', 'py', 'late.txt'), 'written after py ended, by someone else');
    const run = await child;
    const summary = parseSummary(run);
    assert.deepEqual(
      summary.violations.map((v) => v.path),
      ['runs/py/late.txt'],
      show(run),
    );
    assert.equal(run.status, 3);
  });

  it('runs a Python prepare step (the ingest) that rewrites the lakehouse, then the sleeves over its data, clean', async () => {
    const ws = workspace(cleanups, {
      'jobs/ingest.py': 'import os\nopen("data/lakehouse/fresh.csv", "w").write("date,close\\n2025-01-02,1.0\\n")\n',
      'sleeves/py/read.py':
        'import os\nrows = open("data/lakehouse/fresh.csv").read().splitlines()\nopen(os.path.join(os.environ["SLEEVE_RUN_DIR"], "rows.txt"), "w").write(str(len(rows)))\n',
      'manifest.json': JSON.stringify({
        version: 1,
        policy: 'strict',
        prepare: [{ name: 'ingest', command: ['python3', 'jobs/ingest.py'], policy: 'ingest' }],
        sleeves: [{ name: 'reader', runId: 'reader', command: ['python3', 'sleeves/py/read.py'] }],
      }),
    });
    const run = await runBin(['run', '--manifest', 'manifest.json', '--json'], ws);
    assert.equal(run.status, 0, show(run));
    const r = report(parseSummary(run).reports.json);
    assert.equal(r.verdict, 'clean');
    assert.deepEqual(r.violations, []);
    assert.equal(r.sleeves[0]?.os?.network, 'open', 'ingest opens the network');
    assert.equal(fs.readFileSync(path.join(ws, 'runs', 'reader', 'rows.txt'), 'utf8'), '2');
  });

  it('cannot be lowered: a policy that requires it holds against --os-layer off; a command step refuses "off"', async () => {
    const ws = workspace(cleanups, {
      'policies/kernel.json': JSON.stringify({ version: 1, name: 'kernel', extends: 'strict', osLayer: 'required' }),
      'policies/nokernel.json': JSON.stringify({ version: 1, name: 'nokernel', extends: 'strict', osLayer: 'off' }),
      'sleeves/ok.mjs': "console.log('ok');\n",
      'sleeves/py/ok.py': "print('ok')\n",
    });
    const held = await runBin(['run', '--policy', 'policies/kernel.json', '--sleeve', 'ok=sleeves/ok.mjs', '--os-layer', 'off', '--json'], ws);
    assert.equal(held.status, 0, show(held));
    const s = report(parseSummary(held).reports.json).sleeves[0];
    assert.equal(s?.os?.used, true);
    assert.match(s?.os?.from ?? '', /policy kernel/);
    const raised = await runBin(['run', '--policy', 'policies/nokernel.json', '--sleeve', 'ok=sleeves/ok.mjs', '--os-layer', 'required', '--json'], ws);
    assert.equal(report(parseSummary(raised).reports.json).sleeves[0]?.os?.used, true);
    const off = await runBin(['run', '--policy', 'policies/nokernel.json', '--sleeve', 'ok=sleeves/ok.mjs', '--json'], ws);
    const offSleeve = report(parseSummary(off).reports.json).sleeves[0];
    assert.equal(offSleeve?.os?.used, false);
    assert.ok(!offSleeve?.layers.includes('os'));
    fs.writeFileSync(
      path.join(ws, 'manifest.json'),
      JSON.stringify({ version: 1, policy: 'strict', sleeves: [{ name: 'py', command: ['python3', 'sleeves/py/ok.py'] }] }),
    );
    const cmdOff = await runBin(['run', '--manifest', 'manifest.json', '--os-layer', 'off'], ws);
    assert.equal(cmdOff.status, 2, show(cmdOff));
    assert.match(cmdOff.stderr, /manifest\.json:1:\d+ \(sleeves\[0\]\): a command step needs the OS layer, but it is "off" \(--os-layer off\)/);
    assert.deepEqual(
      fs.readdirSync(path.join(ws, 'runs')).filter((n) => n.startsWith('py')),
      [],
      'nothing was created',
    );
  });
});

describe('bad OS layer input', () => {
  it('refuses a bad --os-layer, a bad manifest or policy osLayer, and a command that is not an array, with exit 2 and the place', async () => {
    const ws = workspace(cleanups, {
      'sleeves/ok.mjs': "console.log('ok');\n",
      'm1.json': '{\n  "version": 1,\n  "policy": "strict",\n  "osLayer": "sometimes",\n  "sleeves": [{ "name": "a", "entry": "sleeves/ok.mjs" }]\n}\n',
      'm2.json': '{\n  "version": 1,\n  "policy": "strict",\n  "sleeves": [{ "name": "a", "command": "python3 x.py" }]\n}\n',
      'm3.json': '{\n  "version": 1,\n  "policy": "strict",\n  "sleeves": [{ "name": "a", "entry": "sleeves/ok.mjs", "command": ["python3"] }]\n}\n',
      'policies/bad.json': '{\n  "version": 1,\n  "name": "bad",\n  "osLayer": true\n}\n',
    });
    const flag = await runMain(['run', '--policy', 'strict', '--sleeve', 'a=sleeves/ok.mjs', '--os-layer', 'maybe'], ws);
    assert.equal(flag.code, 2, show(flag));
    assert.match(flag.stderr, /--os-layer must be "required", "auto" or "off", got "maybe"/);
    const m1 = await runMain(['run', '--manifest', 'm1.json'], ws);
    assert.equal(m1.code, 2, show(m1));
    assert.match(m1.stderr, /m1\.json:4:\d+: error: osLayer: expected "required", "auto" or "off"/);
    const m2 = await runMain(['run', '--manifest', 'm2.json'], ws);
    assert.equal(m2.code, 2, show(m2));
    assert.match(m2.stderr, /m2\.json:4:\d+: error: sleeves\[0\]\.command: expected the command as an array of strings/);
    const m3 = await runMain(['run', '--manifest', 'm3.json'], ws);
    assert.equal(m3.code, 2, show(m3));
    assert.match(m3.stderr, /sleeves\[0\]\.command: expected "entry" or "command", not both/);
    const pol = await runMain(['run', '--policy', 'policies/bad.json', '--sleeve', 'a=sleeves/ok.mjs'], ws);
    assert.equal(pol.code, 2, show(pol));
    assert.match(pol.stderr, /bad\.json:4:\d+: error: osLayer: expected "required", "auto" or "off"/);
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs')), [], 'nothing was created');
  });
});

describe('the OS layer where bubblewrap is missing', () => {
  const missing = { SLEEVE_SANDBOX_BWRAP: '/nonexistent/bwrap' };
  const bin = (args: string[], cwd: string) => runBinSync(args, cwd, { env: childEnv(missing) });
  it('stops "required" with exit 2, the reason and the fix, before anything is created', () => {
    const ws = workspace(cleanups, { 'sleeves/ok.mjs': "console.log('ok');\n" });
    const r = bin(['run', '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.mjs', '--os-layer', 'required'], ws);
    assert.equal(r.code, 2, show(r));
    assert.match(
      r.stderr,
      /--sleeve ok=sleeves\/ok\.mjs: the OS layer is required \(--os-layer required\) but bubblewrap \(\/nonexistent\/bwrap\) is not installed; install bubblewrap \(Debian\/Ubuntu: apt-get install bubblewrap/,
    );
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs')), []);
    assert.equal(fs.existsSync(path.join(ws, 'reports')), false);
  });
  it('runs "auto" without it and says so per sleeve; a command step stops with exit 2', () => {
    const ws = workspace(cleanups, { 'sleeves/ok.mjs': "console.log('ok');\n", 'sleeves/py/ok.py': "print('ok')\n" });
    const r = bin(['run', '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.mjs', '--json'], ws);
    assert.equal(r.code, 0, show(r));
    const s = report(parseSummary(r).reports.json).sleeves[0];
    assert.equal(s?.os?.used, false);
    assert.equal(s?.os?.setting, 'auto');
    assert.match(s?.os?.why ?? '', /not installed; install bubblewrap/);
    assert.deepEqual(s?.layers, ['fs-guard', 'node-permission', 'auditor']);
    fs.writeFileSync(
      path.join(ws, 'manifest.json'),
      JSON.stringify({ version: 1, policy: 'strict', sleeves: [{ name: 'py', command: ['python3', 'sleeves/py/ok.py'] }] }),
    );
    const cmd = bin(['run', '--manifest', 'manifest.json'], ws);
    assert.equal(cmd.code, 2, show(cmd));
    assert.match(cmd.stderr, /the OS layer is required \(a command step \(only the kernel confines a program that is not Node\)\) but bubblewrap/);
  });
  it('doctor says why and how to enable it', () => {
    const r = bin(['doctor', '--json'], repoRoot);
    const d = JSON.parse(r.stdout) as { bubblewrap: { available: boolean; problem: string; fix: string } };
    assert.equal(d.bubblewrap.available, false);
    assert.match(d.bubblewrap.problem, /not installed/);
    assert.match(d.bubblewrap.fix, /apt-get install bubblewrap/);
  });
});

/** `node bin ...args` as uid 1000 (setpriv), or as uid 1000 in a user namespace that may create no other (bwrap --disable-userns). */
function binAs(how: 'user' | 'no-userns', args: string[], cwd: string, env: Record<string, string>) {
  const wrap =
    how === 'user'
      ? ['setpriv', '--reuid', '1000', '--regid', '1000', '--clear-groups', '--']
      : [
          'bwrap',
          '--unshare-user',
          '--disable-userns',
          '--uid',
          '1000',
          '--gid',
          '1000',
          '--bind',
          '/',
          '/',
          '--dev-bind',
          '/dev',
          '/dev',
          '--proc',
          '/proc',
          '--',
        ];
  return runBinSync(args, cwd, { wrap, env: childEnv({ NODE_V8_COVERAGE: '', ...env }) });
}

const UID_PY =
  'import os\nopen(os.path.join(os.environ["SLEEVE_RUN_DIR"], "ids.txt"), "w").write(str(os.getuid()) + "|" + open("/proc/self/uid_map").read())\n';

describe('a runner that is not root', { skip: process.getuid?.() !== 0 ? 'switching to another user needs root' : needsOsLayer }, () => {
  it('gives each sleeve a user namespace that maps it (uid 1000), not root, and runs the batch clean', (t) => {
    const ws = workspace(cleanups, { 'sleeves/py/ids.py': UID_PY, 'sleeves/ok.mjs': "console.log('ok');\n" });
    fs.writeFileSync(
      path.join(ws, 'manifest.json'),
      JSON.stringify({
        version: 1,
        policy: 'strict',
        sleeves: [
          { name: 'py', runId: 'py', command: ['python3', 'sleeves/py/ids.py'] },
          { name: 'js', runId: 'js', entry: 'sleeves/ok.mjs' },
        ],
      }),
    );
    const tmp = makeTempDir('sleeve-user-tmp-');
    cleanups.push(tmp.cleanup);
    for (const dir of [ws, tmp.dir]) spawnSync('chown', ['-R', '1000:1000', dir]);
    // The checkout itself must be readable by uid 1000 (a clone in a private home is not).
    const reads = spawnSync('setpriv', [
      '--reuid',
      '1000',
      '--regid',
      '1000',
      '--clear-groups',
      '--',
      process.execPath,
      '-e',
      'require("fs").readFileSync(process.argv[1])',
      path.join(repoRoot, 'dist', 'sandbox', 'bootstrap.bundle.mjs'),
    ]);
    if (reads.status !== 0) {
      t.skip(`uid 1000 cannot read this checkout (${repoRoot})`);
      return;
    }
    const r = binAs('user', ['run', '--manifest', 'manifest.json', '--os-layer', 'required', '--json'], ws, { TMPDIR: tmp.dir, HOME: tmp.dir });
    assert.equal(r.code, 0, show(r));
    const rep = report(parseSummary(r).reports.json);
    for (const s of rep.sleeves) {
      assert.equal(s.os?.used, true);
      assert.match(s.os?.identity ?? '', /uid 1000 in a user namespace of its own/);
    }
    const [uid, map] = fs.readFileSync(path.join(ws, 'runs', 'py', 'ids.txt'), 'utf8').split('|');
    assert.equal(uid, '1000');
    // One uid mapped (bubblewrap nests a second namespace for --disable-userns, so the outer id shown is the middle one's).
    assert.match(map ?? '', /^\s*1000\s+\d+\s+1\s*$/, 'only the caller is mapped');
    assert.equal(fs.statSync(path.join(ws, 'runs', 'py', 'ids.txt')).uid, 1000, 'on the host, what it wrote belongs to the caller');
  });

  it('where user namespaces are refused: "required" stops with exit 2 and how to enable them; "auto" runs without and says why', () => {
    const ws = workspace(cleanups, { 'sleeves/ok.mjs': "console.log('ok');\n" });
    const required = binAs('no-userns', ['run', '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.mjs', '--os-layer', 'required'], ws, {});
    assert.equal(required.code, 2, show(required));
    assert.match(
      required.stderr,
      /the OS layer is required \(--os-layer required\) but bubblewrap could not build a sandbox here: bwrap: .*namespace.*; allow unprivileged user namespaces: .*apparmor_restrict_unprivileged_userns=0/,
    );
    assert.deepEqual(fs.readdirSync(path.join(ws, 'runs')), [], 'nothing was created');
    const auto = binAs('no-userns', ['run', '--policy', 'strict', '--sleeve', 'ok=sleeves/ok.mjs', '--json'], ws, {});
    assert.equal(auto.code, 0, show(auto));
    const s = report(parseSummary(auto).reports.json).sleeves[0];
    assert.equal(s?.os?.used, false);
    assert.match(s?.os?.why ?? '', /namespace/);
  });
});
