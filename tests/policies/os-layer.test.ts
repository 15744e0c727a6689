import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compilePolicy } from '../../policies/engine.js';
import { PolicyError, UsageError } from '../../policies/errors.js';
import { type Mount, type OsLayerFacts, SANDBOX_SHELL, compileOsLayer, unenforceableDenies } from '../../policies/os-layer.js';
import { strictestOsLayer } from '../../policies/schema.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import { fakeSys } from '../helpers/fake-sys.js';
import { policyOf } from '../helpers/policy.js';

const WS = '/ws';
const FILES = [
  '/usr/bin/node',
  '/usr/bin/python3',
  '/usr/bin/prlimit',
  '/usr/bin/setpriv',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/etc/passwd',
  '/etc/resolv.conf',
  '/etc/shadow',
  '/opt/sandbox/dist/bootstrap.mjs',
  '/ws/data/lakehouse/AAPL.csv',
  '/ws/data/lakehouse/portfolio_candidates.json',
  '/ws/data/lakehouse/ohlcv/SPY.csv',
  '/ws/data/lakehouse/keys/a.key',
  '/ws/data/lakehouse/keys/b.key',
  '/ws/data/lakehouse/keys/readme.txt',
  '/ws/runs/r1/.keep',
  '/ws/runs/other/portfolio_candidates.json',
  '/ws/secrets/token.txt',
  '/ws/.git/config',
];
const STRICT_READ = { allow: ['data/lakehouse/**', '{runDir}/**'], deny: ['data/lakehouse/portfolio_candidates.json'] };
const STRICT_WRITE = { allow: ['{runDir}/**'], deny: [] };

function compile(policy: ResolvedPolicy, over: Partial<OsLayerFacts> = {}) {
  const sys = fakeSys({ cwd: WS, files: FILES });
  const engine = compilePolicy(policy, { workspace: WS, runId: 'r1', sys });
  return compileOsLayer({
    engine,
    sys,
    command: ['/usr/bin/node', '/opt/sandbox/dist/bootstrap.mjs'],
    code: ['/usr/bin/node', '/opt/sandbox/dist/bootstrap.mjs'],
    env: { PATH: '/usr/bin', SLEEVE_RUN_ID: 'r1' },
    emptyFile: '/scratch/empty',
    emptyDir: '/scratch/empty-dir',
    user: { uid: 2_000_000_000, gid: 2_000_000_000 },
    self: { uid: 0, gid: 0 },
    setpriv: '/usr/bin/setpriv',
    prlimit: '/usr/bin/prlimit',
    maxProcesses: 256,
    ...over,
  });
}

const table = (mounts: readonly Mount[], kinds: Mount['kind'][]) =>
  mounts.filter((m) => kinds.includes(m.kind)).map((m) => `${m.kind} ${m.path}${m.source && m.source !== m.path ? ` <- ${m.source}` : ''}`);

describe('compiling a policy to a bubblewrap sandbox (fake file system)', () => {
  it('binds the system read-only, the code read-only, the lakehouse read-only, the run dir read-write, and masks the fallback', () => {
    const plan = compile(policyOf(STRICT_READ, STRICT_WRITE));
    assert.deepEqual(table(plan.mounts, ['ro', 'rw', 'mask']), [
      'ro /usr',
      'ro /etc/passwd',
      'ro /ws/data/lakehouse',
      'rw /ws/runs/r1',
      'ro /opt/sandbox/dist/bootstrap.mjs',
      'mask /ws/data/lakehouse/portfolio_candidates.json <- /scratch/empty',
    ]);
    const visible = plan.mounts.map((m) => m.path);
    for (const hidden of ['/ws/secrets', '/ws/secrets/token.txt', '/ws/runs/other', '/ws/.git', '/etc/shadow', '/ws']) {
      assert.ok(!plan.mounts.some((m) => m.kind !== 'dir' && m.path === hidden), `${hidden} must not be bound`);
    }
    assert.ok(visible.includes('/proc') && visible.includes('/dev'));
    assert.deepEqual(plan.unenforced, []);
  });

  it('creates every parent directory before the mount that needs it, world-traversable, and masks after the binds', () => {
    const plan = compile(policyOf(STRICT_READ, STRICT_WRITE));
    const seen = new Set<string>(['/']);
    let lastBind = -1;
    let firstMask = Number.POSITIVE_INFINITY;
    plan.mounts.forEach((m, i) => {
      if (m.kind !== 'symlink') {
        const parent = path.posix.dirname(m.path);
        assert.ok(seen.has(parent) || ['/usr', '/etc'].some((s) => parent.startsWith(s)), `${m.path} comes before its parent ${parent}`);
      }
      seen.add(m.path);
      if (m.kind === 'ro' || m.kind === 'rw') lastBind = i;
      if (m.kind === 'mask') firstMask = Math.min(firstMask, i);
    });
    assert.ok(lastBind < firstMask);
    const dirAt = plan.options.indexOf('/ws');
    assert.deepEqual(plan.options.slice(dirAt - 3, dirAt + 1), ['--perms', '0755', '--dir', '/ws']);
  });

  it('drops to the sleeve uid with setpriv when the runner is root, and uses a user namespace otherwise', () => {
    const root = compile(policyOf(STRICT_READ, STRICT_WRITE));
    assert.deepEqual(root.command.slice(0, 10), [
      '/usr/bin/setpriv',
      '--reuid',
      '2000000000',
      '--regid',
      '2000000000',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    ]);
    assert.ok(!root.options.includes('--unshare-user'));
    assert.deepEqual(root.options.slice(root.options.indexOf('--cap-drop'), root.options.indexOf('--cap-drop') + 2), ['--cap-drop', 'ALL']);
    const user = compile(policyOf(STRICT_READ, STRICT_WRITE), { user: null, self: { uid: 1000, gid: 1000 } });
    assert.equal(user.command[0], '/usr/bin/prlimit');
    for (const flag of ['--unshare-user', '--disable-userns']) assert.ok(user.options.includes(flag), flag);
    assert.deepEqual(user.options.slice(user.options.indexOf('--uid'), user.options.indexOf('--uid') + 4), ['--uid', '1000', '--gid', '1000']);
  });

  it('runs the program through prlimit and a shell step that drops PWD, with every namespace and no network', () => {
    const plan = compile(policyOf(STRICT_READ, STRICT_WRITE));
    const at = plan.command.indexOf('/usr/bin/prlimit');
    assert.deepEqual(plan.command.slice(at), [
      '/usr/bin/prlimit',
      '--nproc=256:256',
      '--core=0:0',
      '--',
      '/bin/sh',
      '-c',
      SANDBOX_SHELL,
      '/usr/bin/node',
      '/opt/sandbox/dist/bootstrap.mjs',
    ]);
    assert.equal(SANDBOX_SHELL, 'unset PWD OLDPWD SHLVL _; exec "$0" "$@"');
    for (const flag of ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup', '--unshare-net', '--die-with-parent', '--new-session']) {
      assert.ok(plan.options.includes(flag), flag);
    }
    assert.equal(plan.network, false);
    assert.ok(!plan.mounts.some((m) => m.path === '/etc/resolv.conf'));
    const dev = plan.options.indexOf('--dev');
    assert.deepEqual(
      plan.options.slice(dev, dev + 10),
      ['--dev', '/dev', '--remount-ro', '/dev', '--perms', '1777', '--size', String(64 * 1024 * 1024), '--tmpfs', '/dev/shm'],
      '/dev read-only, /dev/shm a bounded tmpfs of its own',
    );
  });

  it('sets exactly the given environment after clearing it', () => {
    const plan = compile(policyOf(STRICT_READ, STRICT_WRITE));
    const at = plan.options.indexOf('--clearenv');
    assert.ok(at > 0);
    assert.deepEqual(plan.options.slice(at + 1), ['--setenv', 'PATH', '/usr/bin', '--setenv', 'SLEEVE_RUN_ID', 'r1']);
  });

  it('keeps the network namespace and adds name resolution only when the policy opens the network', () => {
    const plan = compile(policyOf(STRICT_READ, STRICT_WRITE, { net: true }));
    assert.ok(!plan.options.includes('--unshare-net'));
    assert.equal(plan.network, true);
    assert.ok(plan.mounts.some((m) => m.kind === 'ro' && m.path === '/etc/resolv.conf'));
  });

  it('binds each matching entry of a narrower glob, not its base', () => {
    const plan = compile(policyOf({ allow: ['data/lakehouse/*.csv'], deny: [] }, { allow: [], deny: [] }));
    assert.deepEqual(
      table(plan.mounts, ['ro']).filter((m) => m.includes('/ws/')),
      ['ro /ws/data/lakehouse/AAPL.csv'],
    );
  });

  it('binds nothing below a literal directory rule (it allows the directory, not its contents)', () => {
    const plan = compile(policyOf({ allow: ['data/lakehouse'], deny: [] }, { allow: [], deny: [] }));
    assert.deepEqual(
      table(plan.mounts, ['ro', 'rw']).filter((m) => m.includes('/ws/')),
      [],
    );
  });

  it('masks every existing match of a glob deny', () => {
    const plan = compile(policyOf({ allow: ['data/lakehouse/**'], deny: ['data/lakehouse/**/*.key'] }, { allow: [], deny: [] }));
    assert.deepEqual(table(plan.mounts, ['mask']), [
      'mask /ws/data/lakehouse/keys/a.key <- /scratch/empty',
      'mask /ws/data/lakehouse/keys/b.key <- /scratch/empty',
    ]);
    assert.deepEqual(plan.unenforced, []);
  });

  it('masks a denied directory with an empty directory', () => {
    const plan = compile(policyOf({ allow: ['data/lakehouse/**'], deny: ['data/lakehouse/keys/**', 'data/lakehouse/keys'] }, { allow: [], deny: [] }));
    assert.deepEqual(table(plan.mounts, ['mask']), ['mask /ws/data/lakehouse/keys <- /scratch/empty-dir']);
  });

  it('reports a deny in a writable area as not enforced by the kernel, and masks what exists there anyway', () => {
    const policy = policyOf(
      { allow: ['data/**'], deny: ['data/lakehouse/portfolio_candidates.json'] },
      { allow: ['data/lakehouse/**'], deny: ['data/lakehouse/ohlcv/**'] },
    );
    const plan = compile(policy);
    assert.deepEqual(
      plan.unenforced.map((u) => `${u.list} ${u.pattern}`),
      ['fs.read.deny data/lakehouse/portfolio_candidates.json', 'fs.write.deny data/lakehouse/ohlcv/**'],
    );
    assert.deepEqual(
      unenforceableDenies(policy).map((u) => u.pattern),
      plan.unenforced.map((u) => u.pattern),
    );
    assert.ok(plan.mounts.some((m) => m.kind === 'mask' && m.path === '/ws/data/lakehouse/portfolio_candidates.json'));
    assert.ok(plan.mounts.some((m) => m.kind === 'rw' && m.path === '/ws/data/lakehouse'));
  });

  it('reports a glob deny whose matches could not all be searched', () => {
    const plan = compile(policyOf({ allow: ['data/lakehouse/**'], deny: ['data/lakehouse/**/*.key'] }, { allow: [], deny: [] }), { maxSearch: 3 });
    assert.equal(plan.unenforced.length, 1);
    assert.match(plan.unenforced[0]?.why ?? '', /more than 3 entries/);
  });

  it('fails closed when an allow glob needs more binds than the bound', () => {
    assert.throws(
      () => compile(policyOf({ allow: ['data/lakehouse/**/*.*'], deny: [] }, { allow: [], deny: [] }), { maxBinds: 2 }),
      (e: unknown) => e instanceof PolicyError && /more than 2 mounts/.test(e.message),
    );
  });

  it('refuses a NUL byte that would smuggle bubblewrap options through --args', () => {
    assert.throws(
      () => compile(policyOf(STRICT_READ, STRICT_WRITE), { env: { X: 'a\0--bind\0/\0/' } }),
      (e: unknown) => e instanceof UsageError && /NUL byte/.test(e.message),
    );
  });

  it('binds code outside the system paths and skips what a system path already holds', () => {
    const plan = compile(policyOf(STRICT_READ, STRICT_WRITE), { code: ['/usr/bin/node', '/opt/sandbox/dist/bootstrap.mjs'] });
    assert.deepEqual(
      plan.mounts.filter((m) => m.why === 'code').map((m) => m.path),
      ['/opt/sandbox/dist/bootstrap.mjs'],
    );
    assert.throws(() => compile(policyOf(STRICT_READ, STRICT_WRITE), { code: ['/opt/missing.js'] }), /missing/);
  });
});

describe('the OS layer setting', () => {
  it('takes the strictest of the settings given, auto when none is given', () => {
    const cases: Array<[Array<'required' | 'auto' | 'off' | undefined>, string]> = [
      [[], 'auto'],
      [[undefined, undefined], 'auto'],
      [['off'], 'off'],
      [['off', 'auto'], 'auto'],
      [['auto', 'off'], 'auto'],
      [['off', 'required', 'auto'], 'required'],
      [['required', 'off'], 'required'],
      [[undefined, 'off', undefined], 'off'],
    ];
    for (const [given, want] of cases) assert.equal(strictestOsLayer(...given), want, JSON.stringify(given));
  });
});

describe('the OS layer under a run root other than runs/ (artifacts/summaries/runs)', () => {
  const NESTED = [...FILES, '/ws/artifacts/summaries/runs/r1/.keep', '/ws/artifacts/summaries/runs/other/out.json', '/ws/artifacts/shared.json'];
  const compileNested = (policy: ResolvedPolicy) => {
    const sys = fakeSys({ cwd: WS, files: NESTED });
    const engine = compilePolicy(policy, { workspace: WS, runId: 'r1', runsDir: 'artifacts/summaries/runs', sys });
    return compile(policy, { engine, sys });
  };

  it("binds only the sleeve's own run dir read-write, not the root above it, another run nor runs/", () => {
    const plan = compileNested(policyOf(STRICT_READ, STRICT_WRITE));
    const rw = plan.mounts.filter((m) => m.kind === 'rw').map((m) => m.path);
    assert.deepEqual(rw, ['/ws/artifacts/summaries/runs/r1']);
    for (const hidden of ['/ws/runs/r1', '/ws/artifacts/summaries/runs/other', '/ws/artifacts/summaries/runs', '/ws/artifacts', '/ws/artifacts/shared.json']) {
      assert.ok(!plan.mounts.some((m) => (m.kind === 'ro' || m.kind === 'rw') && m.path === hidden), `${hidden} must not be bound`);
    }
  });

  it("knows a deny over the run root's parents reaches into the writable run dir (unenforced), which it does not under runs/", () => {
    const policy = policyOf(STRICT_READ, { allow: ['{runDir}/**'], deny: ['artifacts/**/*.key'] });
    assert.deepEqual(unenforceableDenies(policy), []);
    assert.deepEqual(
      unenforceableDenies(policy, 'artifacts/summaries/runs').map((u) => u.pattern),
      ['artifacts/**/*.key'],
    );
    assert.deepEqual(
      compileNested(policy).unenforced.map((u) => u.pattern),
      ['artifacts/**/*.key'],
    );
  });
});
