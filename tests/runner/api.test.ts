/**
 * The library API from the outside: the built package imported by its name
 * (Node's self-reference through package.json `exports`), as a script would.
 * The example batch runs from code with typed results; an AbortSignal stops a
 * long sleeve as SIGINT does in the CLI; progress events arrive in order; bad
 * input throws UsageError before anything is created; a consumer file
 * type-checks against the emitted declarations.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { livingSleeveProcesses, waitForNoSleeves } from '../helpers/procs.js';
import { makeTempDir, writeTree } from '../helpers/tmp.js';

type Api = typeof import('../../runner/api.js');
// A variable, so tsc does not resolve the package (its .d.ts exists only after the build this test runs under).
const PACKAGE = 'sleeve-sandbox';
const api = (await import(PACKAGE)) as Api;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = path.join(repoRoot, 'examples', 'meta-portfolio');

function copyExample(): { dir: string; cleanup: () => void } {
  const tmp = makeTempDir('sleeve-api-');
  fs.cpSync(EXAMPLE, tmp.dir, {
    recursive: true,
    filter: (src) => !['runs', 'reports', 'artifacts'].includes(path.relative(EXAMPLE, src).split(path.sep)[0] ?? ''),
  });
  return tmp;
}

describe('the library API (the package entry)', () => {
  it('exports exactly these runtime names from "." and the same from "./api"', async () => {
    assert.deepEqual(Object.keys(api).sort(), [
      'EXIT',
      'ManifestError',
      'PolicyError',
      'SleeveSandboxError',
      'UsageError',
      'createEngine',
      'engineOptionsSchema',
      'executeSleeves',
    ]);
    const sub = (await import(`${PACKAGE}/api`)) as Api;
    assert.equal(sub.executeSleeves, api.executeSleeves);
    const policies = (await import(`${PACKAGE}/policies`)) as typeof import('../../policies/index.js');
    assert.equal(typeof policies.compilePolicy, 'function');
  });

  it('runs the example batch from code: verdict clean, six sleeves ok, run dirs with artifacts, events in order', async () => {
    const tmp = copyExample();
    try {
      const events: Array<import('../../runner/api.js').ProgressEvent> = [];
      const engine = api.createEngine({ cpus: 2, memoryMiB: 6 * 3072, workspace: tmp.dir, cwd: tmp.dir, env: { PATH: process.env.PATH } });
      const res = await engine.executeSleeves([], { manifest: 'sleeve-manifest.json', onProgress: (e) => events.push(e) });
      assert.equal(res.verdict, 'clean', JSON.stringify(res.sleeves.map((s) => [s.name, s.status, s.error])));
      assert.equal(res.exitCode, 0);
      assert.equal(res.interrupted, null);
      assert.deepEqual(
        res.sleeves.map((s) => [s.name, s.status]),
        ['ma_long', 'ma_short', 'mean_reversion', 'vol_target', 'momentum_py', 'low_vol_py'].map((n) => [n, 'ok']),
      );
      for (const s of res.sleeves) {
        assert.ok(fs.statSync(s.runDir).isDirectory());
        assert.ok(s.runDir.startsWith(`${tmp.dir}/`));
        assert.ok(s.artifacts.length > 0, `${s.name} left artifacts`);
        for (const a of s.artifacts) assert.ok(fs.existsSync(path.join(s.runDir, a)));
        assert.equal(s.exitCode, 0);
        assert.deepEqual(s.denials, []);
      }
      assert.ok(fs.existsSync(res.audit.reports.json));
      assert.equal(JSON.parse(fs.readFileSync(res.audit.reports.json, 'utf8')).verdict, 'clean');
      // Order: every sleeve queued first; each started before it ended; batch-done last and once.
      const kinds = events.filter((e) => e.type !== 'note');
      assert.deepEqual(
        kinds.slice(0, 6).map((e) => e.type),
        Array(6).fill('sleeve-queued'),
      );
      for (const s of res.sleeves) {
        const started = kinds.findIndex((e) => e.type === 'sleeve-started' && e.name === s.name);
        const ended = kinds.findIndex((e) => e.type === 'sleeve-ended' && e.name === s.name);
        assert.ok(started > 5 && ended > started, `${s.name}: started ${started}, ended ${ended}`);
      }
      assert.deepEqual(kinds.at(-1), { type: 'batch-done', verdict: 'clean', exitCode: 0 });
      assert.equal(kinds.filter((e) => e.type === 'batch-done').length, 1);
    } finally {
      tmp.cleanup();
    }
  });

  it('takes the combine step from code: it runs after the sleeves given and reads their run dirs', async () => {
    const tmp = copyExample();
    try {
      const res = await api.executeSleeves(
        [
          { name: 'ma_long', entry: 'sleeves/ma-long.ts' },
          { name: 'ma_short', entry: 'sleeves/ma-short.ts' },
        ],
        {
          workspace: tmp.dir,
          cwd: tmp.dir,
          policy: 'strict',
          cpus: 2,
          memoryMiB: 8192,
          env: { PATH: process.env.PATH },
          finalize: { name: 'meta', entry: 'sleeves/combine.ts', policy: 'combine' },
        },
      );
      assert.equal(res.verdict, 'clean', JSON.stringify(res.sleeves.map((s) => [s.name, s.status, s.error])));
      assert.deepEqual(
        res.sleeves.map((s) => [s.name, s.kind, s.status]),
        [
          ['ma_long', 'sleeve', 'ok'],
          ['ma_short', 'sleeve', 'ok'],
          ['meta', 'finalize', 'ok'],
        ],
      );
      const meta = res.sleeves[2];
      assert.ok(meta?.artifacts.includes('meta_portfolio.json'), JSON.stringify(meta?.artifacts));
      const json = JSON.parse(fs.readFileSync(path.join(meta?.runDir ?? '', 'meta_portfolio.json'), 'utf8')) as { sleeves: Array<{ runId: string }> };
      assert.deepEqual(
        json.sleeves.map((x) => x.runId),
        [res.sleeves[0]?.runId, res.sleeves[1]?.runId],
      );
      // The manifest has its own combine step: giving another is refused before anything runs.
      await assert.rejects(
        api.executeSleeves([], { workspace: tmp.dir, cwd: tmp.dir, manifest: 'seed-manifest.json', finalize: { name: 'meta2', entry: 'sleeves/combine.ts' } }),
        (e: unknown) => e instanceof api.UsageError && e.exitCode === 2 && /the manifest has a combine step already/.test(e.message),
      );
    } finally {
      tmp.cleanup();
    }
  });

  it('an AbortSignal stops a long sleeve as SIGINT does: sleeve interrupted, the queued one cancelled, reports written, no process left', async () => {
    const tmp = makeTempDir('sleeve-api-abort-');
    try {
      writeTree(tmp.dir, {
        'data/lakehouse/a.csv': 'x\n',
        'sleeves/long.ts': 'export default async function run(): Promise<void> {\n  await new Promise((r) => setTimeout(r, 120_000));\n}\n',
      });
      const controller = new AbortController();
      const events: string[] = [];
      const res = await api.executeSleeves(
        [
          { name: 'long', entry: 'sleeves/long.ts' },
          { name: 'later', entry: 'sleeves/long.ts' },
        ],
        {
          workspace: tmp.dir,
          cwd: tmp.dir,
          policy: 'strict',
          cpus: 1,
          memoryMiB: 8192,
          signal: controller.signal,
          onProgress: (e) => {
            events.push(`${e.type}${'name' in e ? ` ${e.name}` : ''}`);
            if (e.type === 'sleeve-started') setTimeout(() => controller.abort(), 300);
          },
        },
      );
      assert.equal(res.interrupted, 'AbortSignal');
      assert.equal(res.verdict, 'failed');
      assert.equal(res.exitCode, 1);
      assert.deepEqual(
        res.sleeves.map((s) => [s.name, s.status]),
        [
          ['long', 'interrupted'],
          ['later', 'cancelled'],
        ],
      );
      const report = JSON.parse(fs.readFileSync(res.audit.reports.json, 'utf8'));
      assert.equal(report.verdict, 'failed');
      assert.equal(report.interrupted, 'AbortSignal');
      assert.deepEqual(await waitForNoSleeves(tmp.dir, 5000), []);
      assert.deepEqual(livingSleeveProcesses(tmp.dir), []);
      assert.equal(events.at(-1), 'batch-done');
    } finally {
      tmp.cleanup();
    }
  });

  it('an already aborted signal throws its reason before anything is created', async () => {
    const tmp = makeTempDir('sleeve-api-aborted-');
    try {
      writeTree(tmp.dir, { 'sleeves/a.ts': 'export default async function run(): Promise<void> {}\n' });
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await assert.rejects(
        api.executeSleeves([{ name: 'a', entry: 'sleeves/a.ts' }], { workspace: tmp.dir, policy: 'strict', signal: controller.signal }),
        /stop/,
      );
      assert.deepEqual(fs.readdirSync(tmp.dir), ['sleeves']);
    } finally {
      tmp.cleanup();
    }
  });

  it('bad input throws UsageError (code, exit 2) and creates nothing', async () => {
    const tmp = makeTempDir('sleeve-api-bad-');
    try {
      writeTree(tmp.dir, { 'data/lakehouse/a.csv': 'x\n', 'sleeves/a.ts': 'export default async function run(): Promise<void> {}\n' });
      const cases: Array<[Array<{ name: string; entry: string }>, import('../../runner/api.js').EngineOptions, RegExp]> = [
        [[{ name: 'a', entry: 'sleeves/missing.ts' }], { policy: 'strict' }, /entry sleeves\/missing\.ts not found/],
        [[{ name: 'a', entry: 'sleeves/a.ts' }], {}, /no policy/],
        [[{ name: 'bad name', entry: 'sleeves/a.ts' }], { policy: 'strict' }, /expected NAME=ENTRY/],
        [[], { policy: 'strict' }, /nothing to run/],
        [[{ name: 'a', entry: 'sleeves/a.ts' }], { policy: 'strict', cpus: -1 }, /options cpus/],
        [[{ name: 'a', entry: 'sleeves/a.ts' }], { policy: 'strict', mode: 'vm' as 'isolate' }, /options mode/],
        [[{ name: 'a', entry: 'sleeves/a.ts' }], { policy: 'strict', cpus: 1, memoryMiB: 100 }, /can never start/],
        [[{ name: 'a', entry: 'sleeves/a.ts' }], { policy: 'strict', bogus: 1 } as never, /options/],
      ];
      for (const [sleeves, options, message] of cases) {
        await assert.rejects(api.executeSleeves(sleeves, { workspace: tmp.dir, cwd: tmp.dir, ...options }), (error: unknown) => {
          assert.ok(error instanceof api.UsageError || error instanceof api.SleeveSandboxError, String(error));
          assert.equal((error as InstanceType<Api['SleeveSandboxError']>).exitCode, 2);
          assert.equal(typeof (error as InstanceType<Api['SleeveSandboxError']>).code, 'string');
          assert.match((error as Error).message, message);
          return true;
        });
        assert.deepEqual(fs.readdirSync(tmp.dir).sort(), ['data', 'sleeves'], `${message}: nothing created`);
      }
      assert.throws(() => api.createEngine({ concurrency: 0 }), api.UsageError);
    } finally {
      tmp.cleanup();
    }
  });

  it('the example sleeves type-check against the exported SleeveContext (lib/context.ts re-exports it from the package)', () => {
    const tmp = makeTempDir('sleeve-api-example-types-');
    try {
      const sleeves = path.join(EXAMPLE, 'sleeves');
      const config = {
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023'],
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: [],
        },
        include: [`${sleeves}/**/*.ts`],
      };
      fs.writeFileSync(path.join(tmp.dir, 'tsconfig.json'), JSON.stringify(config));
      const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const run = spawnSync(process.execPath, [tsc, '-p', path.join(tmp.dir, 'tsconfig.json'), '--listFiles'], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /dist\/runner\/api\.d\.ts/, 'the type came from the package entry');
      assert.match(run.stdout, /sleeves\/ma-long\.ts/);
      assert.doesNotMatch(fs.readFileSync(path.join(sleeves, 'lib', 'context.ts'), 'utf8'), /interface SleeveContext/, 'no copy of the type');
    } finally {
      tmp.cleanup();
    }
  });

  it('a consumer file type-checks against the exported declarations (and a wrong use does not)', () => {
    const tmp = makeTempDir('sleeve-api-types-');
    try {
      fs.mkdirSync(path.join(tmp.dir, 'node_modules'));
      fs.symlinkSync(repoRoot, path.join(tmp.dir, 'node_modules', 'sleeve-sandbox'));
      writeTree(tmp.dir, {
        'package.json': '{ "type": "module" }\n',
        'tsconfig.json': JSON.stringify({
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2022',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
          },
          files: ['ok.ts'],
        }),
        'ok.ts': [
          "import { createEngine, executeSleeves, UsageError, type BatchResultApi, type SleeveContext, type SleeveFs, type ProgressEvent } from 'sleeve-sandbox';",
          "import { compilePolicy } from 'sleeve-sandbox/policies';",
          'export default async function sleeve(ctx: SleeveContext): Promise<void> {',
          '  const fs: SleeveFs = ctx.fs;',
          '  await fs.writeText(ctx.runDir + "/out.txt", ctx.name);',
          '}',
          'const engine = createEngine({ cpus: 2, memoryMiB: 4096, workspace: ".", policy: "strict", runsDir: "runs" });',
          'const ac = new AbortController();',
          'const onProgress = (e: ProgressEvent) => { if (e.type === "sleeve-ended") console.log(e.name, e.status); };',
          'const res: BatchResultApi = await engine.executeSleeves([{ name: "a", entry: "a.ts" }], { signal: ac.signal, onProgress });',
          'const v: "clean" | "violations" | "failed" | "partial" | "unaudited" | "error" | "running" = res.verdict;',
          'const code: number = res.sleeves[0]?.exitCode ?? 0;',
          'void executeSleeves; void compilePolicy; void v; void code; void UsageError;',
        ].join('\n'),
        'bad.ts': "import { executeSleeves } from 'sleeve-sandbox';\nawait executeSleeves([{ name: 'a' }], { cpus: 'two' });\n",
      });
      const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const ok = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: tmp.dir, encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      fs.writeFileSync(path.join(tmp.dir, 'tsconfig.json'), fs.readFileSync(path.join(tmp.dir, 'tsconfig.json'), 'utf8').replace('"ok.ts"', '"bad.ts"'));
      const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: tmp.dir, encoding: 'utf8' });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stdout, /bad\.ts.*entry/s);
    } finally {
      tmp.cleanup();
    }
  });
});
