/**
 * The isolate host on its own: the real (unbundled) bootstrap in a real child
 * process in isolate mode, without Node's permission flags, so this layer is
 * tested by itself. Modules are compiled by the
 * runner's own compileIsolateModules; the policy given to the sleeve process
 * may differ from the one they were compiled under, which is how the host's
 * own import decision is reached.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import { compileIsolateModules } from '../../runner/batch/bundle.js';
import { isolatedVmStatus, requireIsolatedVm } from '../../runner/batch/isolated-vm.js';
import type { ExitMessage, LimitMessage, SandboxConfig } from '../../sandbox/protocol.js';
import { BOOTSTRAP, type GuardedRun, runBootstrap } from '../helpers/guarded.js';
import { makeTempDir, makeWorkspace, writeTree } from '../helpers/tmp.js';

// The isolated-vm the runner would choose under this node (one optional dependency per isolated-vm line).
const IVM = requireIsolatedVm(isolatedVmStatus(), 'tests/sandbox/isolate-host.test.ts');
const IVM_DIR = IVM.dir;

type HostRun = GuardedRun;

describe('the isolate host, on its own', () => {
  let ws: { dir: string; cleanup: () => void };
  let build: { dir: string; cleanup: () => void };
  let n = 0;
  before(() => {
    ws = makeWorkspace();
    build = makeTempDir('sleeve-iso-build-');
  });
  after(() => {
    ws.cleanup();
    build.cleanup();
  });

  const policyNamed = (ref: string): ResolvedPolicy => loadPolicy(ref, { workspace: ws.dir, sys: createNodeSys(undefined, () => ws.dir) }).policy;

  async function host(files: Record<string, string>, opts: { policy?: ResolvedPolicy; memoryMiB?: number; timeoutMs?: number } = {}): Promise<HostRun> {
    const dir = `sleeves${n++}`;
    writeTree(ws.dir, Object.fromEntries(Object.entries(files).map(([k, v]) => [`${dir}/${k}`, v])));
    const entry = path.join(ws.dir, dir, 'main.mjs');
    const modules = await compileIsolateModules({ entry, where: 'test', isDenied: () => false }, build.dir);
    const runId = `r${n}`;
    const runDir = path.join(ws.dir, 'runs', runId);
    fs.mkdirSync(runDir, { recursive: true });
    const config: SandboxConfig = {
      policy: opts.policy ?? policyNamed('strict'),
      workspace: ws.dir,
      runId,
      runsDir: 'runs',
      runDir,
      name: 'iso',
      entry: modules.entry,
      args: ['--flag'],
      builtins: [],
      codePaths: [path.dirname(BOOTSTRAP), ...IVM.reads],
      packageDirs: [],
      layers: ['isolate', 'fs-guard'],
      mode: 'isolate',
      isolate: { isolatedVm: IVM_DIR, loadEnv: IVM.loadEnv, modules, memoryMiB: opts.memoryMiB ?? 64, timeoutMs: opts.timeoutMs },
    };
    // No coverage for this child: V8's coverage collection and isolated-vm do not mix (isolated-vm
    // asserts in IsolateEnvironment::GetCurrent and aborts).
    return runBootstrap({ config, cwd: ws.dir, env: { TV_X: 'x' }, nodeArgs: ['--no-node-snapshot'], coverage: false });
  }
  const exitOf = (r: HostRun) => r.messages.find((m): m is ExitMessage => m.t === 'exit');
  const limitOf = (r: HostRun) => r.messages.find((m): m is LimitMessage => m.t === 'limit');

  it('gives ctx, console and the web platform (a pure Buffer, timers), nothing of Node, and reports the isolate in the exit message', async () => {
    const r = await host({
      'main.mjs': `import { twice } from './lib/math.mjs';
export default async function (ctx) {
  const seen = {
    process: typeof process, require: typeof require, Buffer: typeof Buffer, setTimeout: typeof setTimeout, fetch: typeof fetch,
    args: ctx.args, env: ctx.env.TV_X, frozen: Object.isFrozen(ctx) && Object.isFrozen(ctx.fs) && Object.isFrozen(ctx.env),
    twice: twice(21), name: ctx.name,
  };
  await ctx.fs.writeJson(ctx.runDir + '/seen.json', seen);
  console.log('to stdout', { a: 1 });
  console.warn('to stderr');
  ctx.log('bytes', new Uint8Array(3));
}
`,
      'lib/math.mjs': 'export const twice = (x) => x * 2;\n',
    });
    assert.equal(r.code, 0, r.stderr);
    const runDir = path.join(ws.dir, 'runs', `r${n}`);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(runDir, 'seen.json'), 'utf8')), {
      process: 'undefined',
      require: 'undefined',
      Buffer: 'function',
      setTimeout: 'function',
      fetch: 'undefined',
      args: ['--flag'],
      env: 'x',
      frozen: true,
      twice: 42,
      name: 'iso',
    });
    assert.equal(r.stdout, 'to stdout {"a":1}\nbytes [object Uint8Array] 3 bytes\n');
    assert.equal(r.stderr, 'to stderr\n');
    const exit = exitOf(r);
    assert.ok(exit?.isolate?.heap && exit.isolate.heap.usedBytes > 0, JSON.stringify(exit));
    assert.equal(exit.outcome, 'returned');
    assert.deepEqual(
      r.messages.filter((m) => m.t === 'writes').map((m) => (m as { paths: string[] }).paths[0]),
      [path.join(runDir, 'seen.json')],
    );
  });

  it('decides imports when they happen: a module a read-deny rule names is refused and reported', async () => {
    writeTree(ws.dir, {
      'policies/deny-lib.json': JSON.stringify({ version: 1, name: 'deny-lib', extends: 'strict', fs: { read: { deny: ['sleeves*/lib/secret.mjs'] } } }),
    });
    const r = await host(
      {
        'main.mjs': "import { key } from './lib/secret.mjs';\nexport default async function (ctx) { ctx.log('got', key); }\n",
        'lib/secret.mjs': "export const key = 'k';\n",
      },
      { policy: policyNamed('deny-lib') },
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /import of .*lib\/secret\.mjs refused: the policy deny-lib denies reading it/);
    const deny = r.messages.find((m) => m.t === 'deny');
    assert.ok(deny && deny.t === 'deny');
    assert.equal(deny.syscall, 'import');
    assert.match(deny.rule, /^fs\.read\.deny "sleeves\*\/lib\/secret\.mjs"/);
  });

  it('ends a sleeve that throws with exit 1 and its message on stderr', async () => {
    const r = await host({ 'main.mjs': "export default async function () { throw new TypeError('bad input'); }\n" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TypeError: bad input/);
    assert.equal(exitOf(r)?.outcome, 'threw');
  });

  it('fails at once with exit 13 when the default export can never settle', async () => {
    const r = await host({ 'main.mjs': 'export default function () { return new Promise(() => {}); }\n' });
    assert.equal(r.code, 13);
    assert.match(r.stderr, /never settles/);
  });

  it('runs a module without a default export as a script', async () => {
    const r = await host({ 'main.mjs': "console.log('top level ran');\n" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'top level ran\n');
  });

  it('stops the isolate at its timeout, at top level too, and says so on the channel', async () => {
    const r = await host({ 'main.mjs': 'for (;;) {}\n' }, { timeoutMs: 300 });
    assert.equal(r.code, 75);
    assert.equal(limitOf(r)?.limit, 'timeout');
    assert.ok((exitOf(r)?.isolate?.cpuMs ?? 0) >= 200, JSON.stringify(exitOf(r)));
  });

  it('disposes an isolate that passes its memory limit and says so on the channel', async () => {
    const r = await host({ 'main.mjs': 'export default function () { const a = []; for (;;) a.push(new Array(1e5).fill(0.5)); }\n' }, { memoryMiB: 16 });
    assert.equal(r.code, 75, r.stderr);
    assert.equal(limitOf(r)?.limit, 'memory');
    assert.match(r.stderr, /memory limit of 16 MiB/);
    assert.equal(exitOf(r)?.isolate?.heap, null);
  });
});
