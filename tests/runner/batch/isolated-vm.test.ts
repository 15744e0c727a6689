/**
 * Choosing isolated-vm: one optional dependency per isolated-vm line (npm
 * aliases), tried in a defined order, the first that loads under the running
 * node wins (proved in a child), and every other one keeps its reason. The
 * candidates here are real packages in a project of the test's own: the
 * isolated-vm the runner chooses on this machine (linked in) and packages
 * that fail to load the way a binary built for another Node ABI does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isSleeveSandboxError } from '../../../policies/errors.js';
import {
  ISOLATED_VM_CANDIDATES,
  type IsolatedVmStatus,
  describeIsolatedVm,
  isolatedVmStatus,
  loadEnv,
  loadReads,
  probeIsolatedVm,
  requireIsolatedVm,
} from '../../../runner/batch/isolated-vm.js';
import { repoRoot, runBinSync, show } from '../../helpers/cli.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

/** What Node says when an addon was built for another ABI. */
const WRONG_ABI = `throw new Error("The module '/x/isolated_vm.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 999.");`;

function brokenPackage(version: string): Record<string, string> {
  return { 'package.json': JSON.stringify({ name: 'isolated-vm', version, main: 'isolated-vm.js' }), 'isolated-vm.js': WRONG_ABI };
}

/** A project whose node_modules holds the given candidates: 'real' links the isolated-vm this node loads, 'broken' a wrong-ABI one. */
function project(root: string, candidates: Record<string, 'real' | 'broken'>, real: string): string {
  const nm = path.join(root, 'node_modules');
  fs.mkdirSync(nm, { recursive: true });
  for (const [name, kind] of Object.entries(candidates)) {
    if (kind === 'real') fs.symlinkSync(real, path.join(nm, name));
    else writeTree(path.join(nm, name), brokenPackage('9.9.9'));
  }
  return path.join(root, 'probe-from.js');
}

describe('isolated-vm: one candidate per line, the first that loads wins', () => {
  let tmp: { dir: string; cleanup: () => void };
  let here: IsolatedVmStatus;
  before(() => {
    tmp = makeTempDir('sleeve-ivm-');
    here = isolatedVmStatus();
  });
  after(() => tmp.cleanup());

  it('finds one that loads under this node, and what it reads while loading', () => {
    assert.equal(here.problem, undefined, here.problem);
    assert.ok(here.dir && here.name, JSON.stringify(here));
    assert.ok(ISOLATED_VM_CANDIDATES.some((c) => c.name === here.name));
    assert.equal(here.reads?.[0], here.dir);
    // Every candidate before the chosen one was tried and has its reason.
    const at = ISOLATED_VM_CANDIDATES.findIndex((c) => c.name === here.name);
    for (const c of (here.candidates ?? []).slice(0, at)) assert.ok(c.problem, `${c.name} has no reason`);
    // isolated-vm 6 loads its binary through node-gyp-build: the host must be able to read it; 5 loads nothing else.
    const pkg = JSON.parse(fs.readFileSync(path.join(here.dir, 'package.json'), 'utf8')) as { version: string };
    const gypBuild = path.join(path.dirname(here.dir), 'node-gyp-build');
    assert.deepEqual(here.reads, pkg.version.startsWith('5.') ? [here.dir] : [here.dir, gypBuild]);
    assert.match(describeIsolatedVm(here), /^available, isolated-vm/);
    const chosen = requireIsolatedVm(here, 'test');
    assert.equal(chosen.dir, here.dir);
    assert.deepEqual(chosen.reads, here.reads);
  });

  it('doctor (the real bin) names the one chosen, its version, and why each other one is not used', () => {
    const r = runBinSync(['doctor'], repoRoot);
    const line = r.stdout.split('\n').find((l) => l.startsWith('isolate mode (isolated-vm): ')) ?? '';
    assert.ok(
      line.startsWith(`isolate mode (isolated-vm): available, ${here.name === 'isolated-vm' ? 'isolated-vm' : `${here.name} (isolated-vm`} ${here.version}`),
      line,
    );
    for (const c of ISOLATED_VM_CANDIDATES.filter((c) => c.name !== here.name))
      assert.ok(line.includes(`not used: ${c.name}`) || line.includes(`; ${c.name}`), line);
  });

  it('tries them in order: a first candidate that does not load (another ABI) is skipped with its reason', async () => {
    const from = project(path.join(tmp.dir, 'fallback'), { 'isolated-vm-6': 'broken', 'isolated-vm': 'real' }, here.dir as string);
    for (const s of [await probeIsolatedVm(from), isolatedVmStatus(from)]) {
      assert.equal(s.problem, undefined, s.problem);
      assert.equal(s.name, 'isolated-vm');
      assert.equal(s.dir, here.dir, 'the real path of the package, which is what Node reads');
      const first = s.candidates?.[0];
      assert.equal(first?.name, 'isolated-vm-6');
      assert.equal(first?.loads, false);
      assert.match(first?.problem ?? '', new RegExp(`does not load under node ${process.version}: .*NODE_MODULE_VERSION 999`));
      assert.match(describeIsolatedVm(s), /^available, isolated-vm .*; not used: isolated-vm-6 \(isolated-vm 9\.9\.9\): does not load under node/);
    }
  });

  it('uses the first when both load, and run stops probing there', async () => {
    const from = project(path.join(tmp.dir, 'both'), { 'isolated-vm-6': 'real', 'isolated-vm': 'real' }, here.dir as string);
    const s = await probeIsolatedVm(from);
    assert.equal(s.name, 'isolated-vm-6');
    assert.deepEqual(
      s.candidates?.map((c) => c.name),
      ['isolated-vm-6'],
      'the second candidate is not probed',
    );
    const all = isolatedVmStatus(from);
    assert.equal(all.name, 'isolated-vm-6');
    assert.match(describeIsolatedVm(all), /not used: isolated-vm .*: loads too \(not needed\)/);
  });

  it('fails closed with exit 2, every reason and the fix when none loads, or none is installed', async () => {
    const from = project(path.join(tmp.dir, 'none'), { 'isolated-vm-6': 'broken', 'isolated-vm': 'broken' }, here.dir as string);
    const s = await probeIsolatedVm(from);
    assert.equal(s.dir, undefined);
    assert.match(
      s.problem ?? '',
      /^no installed isolated-vm loads under node .*isolated-vm-6 \(isolated-vm 9\.9\.9\): does not load .*; isolated-vm 9\.9\.9: does not load/,
    );
    const empty = await probeIsolatedVm(project(path.join(tmp.dir, 'empty'), {}, here.dir as string));
    assert.equal(empty.problem, 'isolated-vm is not installed (none of isolated-vm-6, isolated-vm)');
    assert.match(empty.candidates?.[0]?.problem ?? '', /not installed \(npm skips it where its engines exclude/);
    for (const status of [s, empty]) {
      try {
        requireIsolatedVm(status, 'm.json: sleeves[0].mode');
        assert.fail('no error');
      } catch (e) {
        assert.ok(isSleeveSandboxError(e));
        assert.equal(e.exitCode, 2);
        assert.match(
          e.message,
          /^m\.json: sleeves\[0\]\.mode asks for isolate mode, but .*run "npm ci" .*under the node that runs sleeve-sandbox.*nothing was run$/,
        );
      }
    }
    assert.match(describeIsolatedVm(empty), /^not available: isolated-vm is not installed/);
  });

  it('reads the chosen package and the package of every other module it loaded', () => {
    const nm = '/p/node_modules';
    assert.deepEqual(
      loadReads(`${nm}/isolated-vm-6`, [
        `${nm}/isolated-vm-6/isolated-vm.js`,
        `${nm}/node-gyp-build/index.js`,
        `${nm}/node-gyp-build/node-gyp-build.js`,
        `${nm}/@scope/pkg/lib/x.js`,
        `${nm}/a/node_modules/b/i.js`,
        `${nm}/isolated-vm-6/prebuilds/linux-x64/isolated-vm.abi137.glibc.node`,
        'node:fs',
        '/elsewhere/file.js',
      ]),
      [`${nm}/isolated-vm-6`, `${nm}/node-gyp-build`, `${nm}/@scope/pkg`, `${nm}/a/node_modules/b`],
    );
  });

  it('loads with the libc of the binary the probe loaded (node-gyp-build would look for /etc/alpine-release)', () => {
    assert.deepEqual(
      loadEnv(['/p/node_modules/isolated-vm-6/isolated-vm.js', '/p/node_modules/isolated-vm-6/prebuilds/linux-x64/isolated-vm.abi137.glibc.node']),
      { LIBC: 'glibc' },
    );
    assert.deepEqual(loadEnv(['/p/node_modules/isolated-vm-6/prebuilds/linux-x64/isolated-vm.abi137.musl.node']), { LIBC: 'musl' });
    assert.deepEqual(loadEnv(['/p/node_modules/isolated-vm/out/isolated_vm.node']), {});
    // On this machine: 5.x (built from source) needs nothing; 6.x loads a prebuilt glibc or musl binary.
    const version = here.version ?? '';
    if (version.startsWith('5.')) assert.deepEqual(here.loadEnv, {});
    else assert.match(here.loadEnv?.LIBC ?? '', /^(glibc|musl)$/);
  });
});

describe('isolated-vm through the real bin, in a copy of the project whose isolated-vm lines do not load', () => {
  let tmp: { dir: string; cleanup: () => void };
  before(() => {
    tmp = makeTempDir('sleeve-ivm-bin-');
    for (const d of ['bin', 'dist', 'policies']) fs.cpSync(path.join(repoRoot, d), path.join(tmp.dir, 'project', d), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(tmp.dir, 'project', 'package.json'));
    const nm = path.join(tmp.dir, 'project', 'node_modules');
    fs.mkdirSync(nm);
    for (const name of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (!ISOLATED_VM_CANDIDATES.some((c) => c.name === name)) fs.symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(nm, name));
    }
    for (const c of ISOLATED_VM_CANDIDATES) writeTree(path.join(nm, c.name), brokenPackage('9.9.9'));
    writeTree(path.join(tmp.dir, 'ws'), { 'sleeves/a.mjs': 'export default () => {};\n', 'data/lakehouse/x.csv': 'a\n1\n' });
  });
  after(() => tmp.cleanup());

  const bin = () => path.join(tmp.dir, 'project', 'bin', 'sleeve-sandbox.js');

  it('run --mode isolate stops with exit 2 before anything runs, with each reason and the fix', () => {
    const ws = path.join(tmp.dir, 'ws');
    const r = runBinSync(['run', '--policy', 'strict', '--workspace', ws, '--sleeve', 'a=sleeves/a.mjs', '--mode', 'isolate'], repoRoot, { bin: bin() });
    assert.equal(r.code, 2, show(r));
    assert.match(
      r.stderr,
      /asks for isolate mode, but no installed isolated-vm loads under node .*isolated-vm-6 \(isolated-vm 9\.9\.9\): does not load under node/,
    );
    assert.match(r.stderr, /run "npm ci"/);
    assert.ok(!fs.existsSync(path.join(ws, 'runs')) || fs.readdirSync(path.join(ws, 'runs')).length === 0, 'nothing ran');
  });

  it('doctor says isolate mode is not available and why', () => {
    const r = runBinSync(['doctor', '--json'], repoRoot, { bin: bin() });
    const report = JSON.parse(r.stdout) as {
      isolate: { available: boolean; package: string | null; candidates: Array<{ name: string; loads: boolean; problem: string }> };
    };
    assert.equal(report.isolate.available, false);
    assert.equal(report.isolate.package, null);
    assert.deepEqual(
      report.isolate.candidates.map((c) => [c.name, c.loads]),
      ISOLATED_VM_CANDIDATES.map((c) => [c.name, false]),
    );
    assert.ok(report.isolate.candidates.every((c) => /NODE_MODULE_VERSION 999/.test(c.problem)));
  });
});

describe('isolate mode with the isolated-vm chosen here: what its loading opens to the sleeve', () => {
  let tmp: { dir: string; cleanup: () => void };
  before(() => {
    tmp = makeTempDir('sleeve-ivm-reads-');
  });
  after(() => tmp.cleanup());

  it('grants the host the chosen package and what it loads, nothing beside them; its load env does not reach ctx.env', () => {
    const here = isolatedVmStatus();
    const dir = here.dir as string;
    const nm = path.dirname(dir);
    // A package the probe did not see loaded, next to the ones granted; and the same through a granted one's '..'.
    const sibling = path.join(nm, 'zod', 'package.json');
    const granted = (here.reads ?? [])[here.reads?.length === 1 ? 0 : 1] as string;
    const targets = { sibling, dotdot: `${granted}/../zod/package.json` };
    writeTree(tmp.dir, {
      'data/lakehouse/x.csv': 'a\n1\n',
      'sleeves/reads.mjs': `const targets = ${JSON.stringify(targets)};
export default async function (ctx) {
  const out = { libcInEnv: 'LIBC' in ctx.env };
  for (const [k, p] of Object.entries(targets)) {
    try {
      await ctx.fs.readText(p);
      out[k] = 'read';
    } catch (e) {
      out[k] = String((e && e.code) || e);
    }
  }
  await ctx.fs.writeText(ctx.runDir + '/observed.json', JSON.stringify(out));
}
`,
    });
    const reports = path.join(tmp.dir, 'reports');
    const r = runBinSync(
      [
        'run',
        '--policy',
        'strict',
        '--os-layer',
        'off',
        '--workspace',
        tmp.dir,
        '--sleeve',
        'reads=sleeves/reads.mjs',
        '--mode',
        'isolate',
        '--report-dir',
        reports,
      ],
      repoRoot,
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 3, show(r));
    const audit = JSON.parse(fs.readFileSync(path.join(reports, 'audit.json'), 'utf8')) as {
      sleeves: Array<{ runDir: string; denials: Array<{ path: string }> }>;
    };
    const sleeve = audit.sleeves[0];
    assert.ok(sleeve);
    const observed = JSON.parse(fs.readFileSync(path.join(sleeve.runDir, 'observed.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(observed, { libcInEnv: false, sibling: 'EACCES', dotdot: 'EACCES' });
    assert.ok(
      sleeve.denials.some((d) => d.path.endsWith('/zod/package.json')),
      JSON.stringify(sleeve.denials),
    );
  });
});
