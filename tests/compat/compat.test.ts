/**
 * Compatibility suite: real npm packages a data pipeline uses, each doing a
 * real task on the lakehouse of tests/compat/workspace/ (its own
 * package.json and lockfile; installed by INSTALL_COMMAND, never by the test).
 *
 * - Differential: every sleeve runs in ONE batch through the real CLI under
 *   `strict` (the native-addon ones under the workspace's `addons` policy,
 *   strict plus process.addons), and its outputs must be byte-identical to
 *   those of the same sleeve run bare by plain Node outside the sandbox
 *   (bare/run-bare.ts). A sandbox that breaks or changes what a library does
 *   shows up as a difference, never as a skip.
 * - Isolate mode: the pure sleeves also run isolated, in the same batch, from
 *   a bundle of the sleeve and its packages (isolate mode loads only the
 *   sleeve's own modules), with outputs byte-identical to process mode.
 * - Refusals: packages that need what strict forbids (workers, child
 *   processes, the network, addons) run in a second batch, which exits 3; each
 *   is refused with a denial naming the capability and the policy key, in
 *   audit.json and on the terminal. Run bare, each of them works: the refusal
 *   is the policy's, not a broken sleeve.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { AuditReport } from '../../runner/audit/schema.js';
import { makeTempDir } from '../helpers/tmp.js';
import { type BatchOutcome, childEnv, collect, readOutcome, repoRoot, type Run, show, startBin } from '../runner/audit/harness.js';
import { CASES, type CompatCase, REFUSED, type RefusedCase } from './cases.js';

export const WORKSPACE = path.join(repoRoot, 'tests', 'compat', 'workspace');
export const INSTALL_COMMAND = 'npm ci --prefix tests/compat/workspace';
const here = path.dirname(fileURLToPath(import.meta.url));
const REGISTER = path.join(here, 'bare', 'register.js');
const RUN_BARE = path.join(here, 'bare', 'run-bare.js');
/** Files the runner itself puts in every run dir: not the sleeve's output. */
const RUNNER_MADE = new Set(['logs', 'tmp']);
const BATCH_LIMIT_MS = 600_000;

type Sleeve = AuditReport['sleeves'][number];

/** Fails (never skips) when the workspace is not installed, naming the command that installs it. */
function checkInstalled(): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(WORKSPACE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const missing = Object.keys(pkg.dependencies).filter((d) => !fs.existsSync(path.join(WORKSPACE, 'node_modules', d, 'package.json')));
  const addon = path.join(WORKSPACE, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (missing.length > 0 || !fs.existsSync(addon)) {
    const what = missing.length > 0 ? `missing packages: ${missing.join(', ')}` : `better-sqlite3 was not built (${addon} is missing)`;
    assert.fail(
      `the compat workspace ${WORKSPACE} is not installed (${what}): run \`${INSTALL_COMMAND}\` from the repository root (it builds the native addons from source), then run the suite again`,
    );
  }
  // An addon built for another Node line (another ABI) does not load: say so, not a hundred failures later.
  // One process per addon, as each sleeve loads one of them: on Node 24 a process that loaded
  // both may abort at exit (node::RemoveEnvironmentCleanupHook asserts), seen with and without
  // V8 coverage, which would read as an addon that does not load.
  const env = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  const probes = [
    "import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); new (require('better-sqlite3'))(':memory:').close();",
    "await import('@duckdb/node-api');",
  ];
  for (const code of probes) {
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: WORKSPACE, encoding: 'utf8', env });
    if (probe.status !== 0) {
      assert.fail(
        `the compat workspace's native addons do not load under node ${process.version} (${
          probe.stderr
            .trim()
            .split('\n')
            .find((l) => /Error/.test(l)) ?? probe.stderr.trim().slice(0, 300)
        }): after switching Node versions run \`${INSTALL_COMMAND}\` again with this node first on PATH`,
      );
    }
  }
}

/** Every file under `dir` (relative, `/`-separated) minus the runner's own top-level entries, sorted. */
function outputs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => !RUNNER_MADE.has(f.split('/')[0] as string))
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Asserts the two dirs hold the same non-empty set of files with the same bytes. */
function assertSameOutputs(actualDir: string, expectedDir: string, what: string): void {
  const expected = outputs(expectedDir);
  const actual = outputs(actualDir);
  assert.ok(expected.length > 0, `${what}: the baseline wrote no output in ${expectedDir}`);
  assert.deepEqual(actual, expected, `${what}: different files`);
  for (const f of expected) {
    const a = fs.readFileSync(path.join(actualDir, f));
    const b = fs.readFileSync(path.join(expectedDir, f));
    if (!a.equals(b)) {
      const preview = (x: Buffer) =>
        x.length < 4000 && !x.includes(0) ? x.toString('utf8') : `${x.length} bytes, sha ${x.subarray(0, 16).toString('hex')}...`;
      assert.fail(`${what}: ${f} differs\n--- got (${actualDir})\n${preview(a)}\n--- expected (${expectedDir})\n${preview(b)}`);
    }
  }
}

interface BareRun {
  dir: string;
  code: number | null;
  stderr: string;
}

function runBare(entry: string, name: string, dir: string, tmpDir: string, args: readonly string[]): Promise<BareRun> {
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  const runId = path.basename(dir);
  // The environment a strict sleeve gets (policy pass and set, the runner's SLEEVE_* variables).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    PORTFOLIO_DATA_SOURCE: 'lakehouse_only',
    TV_STRICT_HEALTH: '1',
    TV_STRICT_ISOLATION: '1',
    SLEEVE_RUN_ID: runId,
    SLEEVE_RUN_DIR: dir,
    SLEEVE_NAME: name,
    SLEEVE_WORKSPACE: WORKSPACE,
    TV_RUN_ID: runId,
    TMPDIR: tmpDir,
  };
  const child = spawn(process.execPath, ['--import', REGISTER, RUN_BARE, entry, dir, name, WORKSPACE, ...args], {
    cwd: WORKSPACE,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, 120_000).then((r: Run) => ({ dir, code: r.code, stderr: r.stderr }));
}

/** Runs `jobs` at most `limit` at a time. */
async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** A batch through the real CLI: its outcome, or why there is none (each test then fails with that reason). */
async function runBatch(manifest: object, tmpDir: string, label: string): Promise<BatchOutcome | string> {
  const file = path.join(tmpDir, `${label}.manifest.json`);
  fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  const args = [
    'run',
    '--policy',
    'strict',
    '--workspace',
    WORKSPACE,
    '--manifest',
    file,
    '--concurrency',
    '2',
    '--timeout',
    '180',
    '--report-dir',
    path.join(tmpDir, `${label}-reports`),
    '--json',
  ];
  const run = await collect(startBin(args, repoRoot, childEnv()), BATCH_LIMIT_MS);
  try {
    return readOutcome(WORKSPACE, run);
  } catch (error) {
    return `the ${label} batch produced no reports (${(error as Error).message.split('\n')[0]})\n${show(run).slice(0, 6000)}`;
  }
}

const isolateName = (c: CompatCase) => `${c.name}.isolate`;

describe('compatibility with real npm packages (tests/compat/workspace)', { timeout: BATCH_LIMIT_MS * 2 }, () => {
  let tmp: { dir: string; cleanup: () => void } | undefined;
  let server: http.Server | undefined;
  let port = 0;
  const bare = new Map<string, BareRun>();
  const bundleErrors = new Map<string, string>();
  let passing: BatchOutcome | string = 'the batch did not run';
  let refused: BatchOutcome | string = 'the batch did not run';
  /** The outcome, or fail the test with the reason there is none. */
  const outcome = (o: BatchOutcome | string): BatchOutcome => {
    if (typeof o === 'string') assert.fail(o);
    return o;
  };

  before(async () => {
    checkInstalled();
    tmp = makeTempDir('sleeve-compat-');
    const tmpDir = tmp.dir;
    server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, price: 123.45 }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const argsOf = (r: RefusedCase) => (r.args ?? []).map((a) => (a === 'port' ? String(port) : a));

    // Isolate mode loads only the sleeve's own modules: bundle each pure sleeve
    // with its packages into one ES module (a browser-platform build: no Node API).
    const isolateEntries = new Map<string, string>();
    for (const c of CASES.filter((x) => x.isolate)) {
      const outfile = path.join(tmpDir, 'isolate', c.name, 'sleeve.mjs');
      try {
        await esbuild.build({
          entryPoints: [path.join(WORKSPACE, c.entry)],
          bundle: true,
          format: 'esm',
          platform: 'browser',
          target: 'es2022',
          outfile,
          absWorkingDir: WORKSPACE,
          logLevel: 'silent',
        });
        isolateEntries.set(c.name, outfile);
      } catch (error) {
        bundleErrors.set(c.name, (error as Error).message);
      }
    }

    const bareJobs = [
      ...CASES.map(
        (c) => () => runBare(c.entry, c.name, path.join(tmpDir, 'bare', c.name), path.join(tmpDir, 'bare-tmp', c.name), []).then((r) => bare.set(c.name, r)),
      ),
      ...REFUSED.map(
        (r) => () =>
          runBare(r.entry, r.name, path.join(tmpDir, 'bare', r.name), path.join(tmpDir, 'bare-tmp', r.name), argsOf(r)).then((b) => bare.set(r.name, b)),
      ),
    ];
    await pool(bareJobs, 2);

    passing = await runBatch(
      {
        version: 1,
        policy: 'strict',
        sleeves: [
          ...CASES.map((c) => ({
            name: c.name,
            entry: c.entry,
            ...(c.policy === 'strict' ? {} : { policy: path.join(WORKSPACE, 'policies', `${c.policy}.json`) }),
          })),
          ...CASES.filter((c) => isolateEntries.has(c.name)).map((c) => ({ name: isolateName(c), entry: isolateEntries.get(c.name), mode: 'isolate' })),
        ],
      },
      tmpDir,
      'passing',
    );
    refused = await runBatch(
      { version: 1, policy: 'strict', sleeves: REFUSED.map((r) => ({ name: r.name, entry: r.entry, args: argsOf(r) })) },
      tmpDir,
      'refused',
    );
  });

  after(() => {
    server?.close();
    for (const o of [passing, refused]) {
      if (typeof o === 'string') continue;
      for (const dir of o.runDirs.values()) fs.rmSync(dir, { recursive: true, force: true });
    }
    const runs = path.join(WORKSPACE, 'runs');
    if (fs.existsSync(runs) && fs.readdirSync(runs).length === 0) fs.rmdirSync(runs);
    tmp?.cleanup();
  });

  const sleeveOf = (o: BatchOutcome | string, name: string): Sleeve => {
    const s = outcome(o).report.sleeves.find((x) => x.name === name);
    assert.ok(s, `no sleeve ${name} in audit.json\n${show(outcome(o).run)}`);
    return s;
  };
  const stderrOf = (s: Sleeve) => (s.stderrTail ?? []).join('\n');

  it('pins at least 40 packages exactly, each a dependency of the workspace and exercised by a sleeve', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(WORKSPACE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(fs.readFileSync(path.join(WORKSPACE, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      assert.match(version, /^\d+\.\d+\.\d+(-[\w.]+)?$/, `${name} is not pinned exactly: ${version}`);
      assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `${name}: package-lock.json disagrees with package.json`);
    }
    const used = new Set([...CASES, ...REFUSED].flatMap((c) => c.packages));
    for (const name of used) assert.ok(pkg.dependencies[name], `${name} is used by a sleeve but is not a workspace dependency`);
    assert.ok(used.size >= 40, `only ${used.size} packages exercised`);
    for (const c of [...CASES, ...REFUSED]) assert.ok(fs.existsSync(path.join(WORKSPACE, c.entry)), `${c.name}: no sleeve ${c.entry}`);
  });

  it('runs every compatible sleeve, process and isolate mode, in one batch that exits 0 with a clean audit', () => {
    const passing_ = outcome(passing);
    const failed = passing_.report.sleeves
      .filter((s) => s.status !== 'ok')
      .map((s) => `${s.name}: ${s.status} (exit ${s.exitCode}) ${stderrOf(s).split('\n').slice(-3).join(' | ')}`);
    assert.equal(
      passing_.run.code,
      0,
      `exit ${passing_.run.code}, verdict ${passing_.report.verdict}\n${failed.join('\n')}\n${passing_.run.stderr.slice(-4000)}`,
    );
    assert.equal(passing_.report.verdict, 'clean');
    assert.deepEqual(passing_.report.violations, []);
  });

  for (const c of CASES) {
    it(`${c.name}: process mode under ${c.policy} writes byte-identical outputs to a bare node run`, () => {
      const b = bare.get(c.name);
      assert.ok(b, 'no bare run');
      assert.equal(b.code, 0, `the bare run failed (exit ${b.code}): the sleeve itself is broken\n${b.stderr}`);
      const s = sleeveOf(passing, c.name);
      assert.equal(s.status, 'ok', `sandboxed run: ${s.status} (exit ${s.exitCode}), denials ${JSON.stringify(s.denials)}\n${stderrOf(s)}`);
      assert.deepEqual(s.denials, []);
      assertSameOutputs(outcome(passing).runDirs.get(c.name) as string, b.dir, `${c.name} (process vs bare)`);
    });
  }

  for (const c of CASES.filter((x) => x.isolate)) {
    it(`${c.name}: isolate mode writes byte-identical outputs to process mode`, () => {
      assert.equal(bundleErrors.get(c.name), undefined, `bundling the sleeve and its packages for the isolate failed`);
      const s = sleeveOf(passing, isolateName(c));
      assert.equal(s.mode, 'isolate');
      assert.equal(s.status, 'ok', `isolated run: ${s.status} (exit ${s.exitCode}), denials ${JSON.stringify(s.denials)}\n${stderrOf(s)}`);
      assert.ok(s.layers.includes('isolate'), `layers ${s.layers.join(', ')}`);
      const dirs = outcome(passing).runDirs;
      assertSameOutputs(dirs.get(isolateName(c)) as string, bare.get(c.name)?.dir as string, `${c.name} (isolate vs bare)`);
      assertSameOutputs(dirs.get(isolateName(c)) as string, dirs.get(c.name) as string, `${c.name} (isolate vs process)`);
    });
  }

  it('refuses the packages that need what strict forbids: the batch exits 3 with verdict violations', () => {
    const refused_ = outcome(refused);
    assert.equal(refused_.run.code, 3, show(refused_.run));
    assert.equal(refused_.report.verdict, 'violations');
  });

  for (const r of REFUSED) {
    it(`${r.name}: refused under strict with a denial naming ${r.op} and ${r.rule}; it works bare`, () => {
      const b = bare.get(r.name);
      assert.ok(b, 'no bare run');
      assert.equal(b.code, 0, `the bare run failed (exit ${b.code}): the sleeve itself is broken\n${b.stderr}`);
      assert.ok(outputs(b.dir).length > 0, 'the bare run wrote nothing');
      const s = sleeveOf(refused, r.name);
      const d = s.denials.find((x) => x.op === r.op);
      assert.ok(d, `no ${r.op} denial: ${JSON.stringify(s.denials)} (status ${s.status})\n${stderrOf(s)}`);
      assert.equal(d.rule, r.rule);
      const re = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const line = new RegExp(`^\\s*${re(r.name)}: ${re(r.op)} denied: .*\\(policy strict, ${re(r.rule)}: `, 'm');
      assert.match(outcome(refused).run.stderr, line, 'the terminal shows no such denial');
      assert.deepEqual(outputs(outcome(refused).runDirs.get(r.name) as string), [], 'a refused sleeve wrote its result anyway');
    });
  }
});
