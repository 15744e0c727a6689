/**
 * Runs a validated plan: compiles the entries, creates the run directories,
 * runs the prepare steps one by one, then the sleeves with bounded
 * concurrency, and stops everything on SIGINT/SIGTERM while still returning
 * a result for every sleeve.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePolicy } from '../../policies/engine.js';
import { UsageError } from '../../policies/errors.js';
import { compileNodeFlags, detectNodeFeatures } from '../../policies/node-flags.js';
import { createNodeSys } from '../../policies/node-sys.js';
import type { IsolateModules, SandboxConfig } from '../../sandbox/protocol.js';
import { bootstrapCache } from './bootstrap-cache.js';
import { type Bundle, bundleEntry, compileIsolateModules } from './bundle.js';
import { type IsolatedVm, probeIsolatedVm, requireIsolatedVm } from './isolated-vm.js';
import { buildSleeveEnv } from './env.js';
import { closeLeakingFds } from './inherited-fds.js';
import { combineBlocked, openBatchResults } from './finalize.js';
import { type BatchPlan, stepsOf } from './plan.js';
import type { Progress } from './progress.js';
import type { SleeveOsReport } from '../audit/schema.js';
import { type Launch, plainLaunch } from './launch.js';
import { osLayerNotUsed, prepareSandboxLaunch } from './sandbox-launch.js';
import { type Resources, nextToStart } from './scheduler.js';
import { warmSet } from './pool.js';
import { makeRunsDir } from './runs-dir.js';
import { type RunningSleeve, startSleeve } from './spawn.js';
import type { PlannedSleeve, SleeveResult } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/runner/batch -> the package root. */
const PACKAGE_ROOT = path.resolve(here, '..', '..', '..');
/** The sleeve-side sandbox, bundled into one file at build time (scripts/bundle-sandbox.js). */
export const BOOTSTRAP = path.join(PACKAGE_ROOT, 'dist', 'sandbox', 'bootstrap.bundle.cjs');
/**
 * What a sleeve process runs first: a CommonJS loader that keeps the heap flag from costing Node's code
 * cache, then compiles BOOTSTRAP from the runner's code cache (bootstrap-cache.ts) and runs it.
 */
export const LOADER = path.join(PACKAGE_ROOT, 'dist', 'sandbox', 'bootstrap.cjs');
/** What the sleeve process must read to start the sandbox itself (and the code cache, when there is one). */
const SANDBOX_FILES = [LOADER, path.join(PACKAGE_ROOT, 'dist', 'sandbox', 'bootstrap-run.cjs'), BOOTSTRAP];
const NODE_BINARY = fs.realpathSync(process.execPath);
const PROC_SELF_EXE = '/proc/self/exe';
export const LAYERS = Object.freeze(['fs-guard', 'node-permission']);
/** Isolate mode: the sleeve's code is in the isolate; the guard and Node's flags sit under its host. */
export const ISOLATE_LAYERS = Object.freeze(['isolate', 'fs-guard', 'node-permission']);
/** The isolate's memoryLimit when no policy or flag sets one (isolated-vm's own default is 128). */
export const DEFAULT_ISOLATE_MEMORY_MIB = 2048;

export interface ExecuteOptions {
  parentEnv: NodeJS.ProcessEnv;
  progress: Progress;
  logLimitBytes: number;
  graceMs?: number;
  /** Runs after the entries compiled and before anything is created (the auditor's first manifest). */
  beforeStart?: () => Promise<void>;
  /** Registers the handler that stops the batch; returns its remover. */
  onInterrupt: (stop: (signal: string) => void) => () => void;
}

export interface BatchResult {
  workspace: string;
  startedAt: string;
  endedAt: string;
  interrupted: string | null;
  results: SleeveResult[];
  /** Removes the signal handlers; call it once the reports are written (a signal until then is noted, not fatal). */
  release: () => void;
}

/** util-linux's setpriv, for a parent-death signal on sleeves outside the OS layer. */
function findSetpriv(): string | undefined {
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv']) if (fs.existsSync(p)) return p;
  return undefined;
}

/** The result of a step that never started: queued (the early report), skipped or cancelled. */
export function notStarted(s: PlannedSleeve, status: 'queued' | 'skipped' | 'cancelled', why?: string): SleeveResult {
  return {
    kind: s.kind,
    name: s.name,
    runId: s.runId,
    runDir: s.runDir,
    policy: s.policy.name,
    mode: s.mode,
    status,
    exitCode: null,
    signal: null,
    startedAt: null,
    durationMs: 0,
    layers: [],
    denials: [],
    writes: [],
    logs: { stdout: '', stderr: '', truncated: false },
    channel: { accepted: 0, dropped: { denials: 0, writes: 0 }, fault: null },
    ...(why === undefined ? {} : { error: why }),
  };
}

/** Creates every run dir, or none: a collision (another runner) undoes the ones made. */
function createRunDirs(plan: BatchPlan): void {
  makeRunsDir(plan.workspace, plan.runsDir);
  const made: string[] = [];
  for (const s of stepsOf(plan)) {
    try {
      fs.mkdirSync(s.runDir);
      made.push(s.runDir);
      fs.mkdirSync(path.join(s.runDir, 'tmp'));
    } catch (error) {
      for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === 'EEXIST'
          ? `${s.where}: run id ${s.runId} was taken while this batch started (another runner?); nothing was run`
          : `${s.where}: cannot create ${s.runDir} (${code}); nothing was run`,
      );
    }
  }
}

export async function executeBatch(plan: BatchPlan, opts: ExecuteOptions): Promise<BatchResult> {
  const startedAt = new Date().toISOString();
  const features = detectNodeFeatures(process.allowedNodeEnvironmentFlags);
  if (features.permissionFlag === null) {
    throw new UsageError(`node ${process.version} has no permission model; sleeve-sandbox needs Node >= 20.19`);
  }
  const all = stepsOf(plan);
  // Compile each distinct entry once, outside the workspace, before anything is created.
  const cacheDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-sandbox-build-')));
  try {
    const bundles = new Map<string, Bundle>();
    const isolateModules = new Map<string, IsolateModules>();
    const sys = createNodeSys(undefined, () => plan.workspace);
    const firstIsolate = all.find((s) => s.mode === 'isolate');
    // Proving isolated-vm loads takes a node start: it runs while the entries compile.
    const ivmProbe = firstIsolate ? probeIsolatedVm() : undefined;
    for (const s of all) {
      const engine = compilePolicy(s.policy, { workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, sys });
      const isDenied = (file: string) => engine.decide('read', file).rule?.list === 'fs.read.deny';
      if (s.command) continue; // a command brings its own code: the OS layer binds its directory read-only
      if (s.mode === 'isolate') {
        if (!isolateModules.has(s.entry)) isolateModules.set(s.entry, await compileIsolateModules({ entry: s.entry, where: s.where, isDenied }, cacheDir));
      } else if (!bundles.has(s.entry)) {
        bundles.set(s.entry, await bundleEntry({ entry: s.entry, where: s.where, isDenied }, cacheDir));
      }
    }
    const isolatedVm =
      firstIsolate && ivmProbe ? requireIsolatedVm(await ivmProbe, `${firstIsolate.where}: ${firstIsolate.modeFrom ?? 'isolate mode'}`) : undefined;
    // The bootstrap's code cache: made once per bundle and Node version, read by every sleeve.
    const bootCache = bootstrapCache(BOOTSTRAP, opts.parentEnv);
    const SANDBOX_READS = bootCache === undefined ? SANDBOX_FILES : [...SANDBOX_FILES, bootCache];
    const loader = bootCache === undefined ? [LOADER] : [LOADER, bootCache];
    await opts.beforeStart?.();
    // No descriptor the runner inherited may reach a sleeve (inherited-fds.ts).
    closeLeakingFds();
    createRunDirs(plan);
    const canDisable = process.allowedNodeEnvironmentFlags.has('--disable-warning');
    const disableWarning = canDisable ? ['--disable-warning=ExperimentalWarning'] : [];
    // --allow-addons (for the isolate host's isolated-vm) makes Node warn on every start.
    const disableAddonWarning = canDisable ? ['--disable-warning=SecurityWarning'] : [];

    const running = new Set<RunningSleeve>();
    let interrupted: string | null = null;
    const removeHandler = opts.onInterrupt((signal) => {
      if (interrupted) {
        for (const r of running) {
          const pid = r.pid();
          if (pid !== undefined) {
            try {
              process.kill(-pid, 'SIGKILL');
            } catch {
              // gone
            }
          }
        }
        return;
      }
      interrupted = signal;
      for (const s of [...warm.keys()]) discard(s);
      opts.progress.note(`sleeve-sandbox: ${signal}: stopping ${running.size} running sleeve(s); press again to kill`);
      for (const r of running) r.stop('interrupted');
    });

    const tools = { sh: fs.existsSync('/bin/sh') ? '/bin/sh' : undefined, setpriv: findSetpriv() };
    /** A step's process, spawned and (under the bootstrap) waiting for "go"; or why it could not be. */
    type Spawned = { handle: RunningSleeve; os: SleeveOsReport; after: () => void } | { failed: SleeveResult };
    const spawnOne = (s: PlannedSleeve): Spawned => {
      const engine = compilePolicy(s.policy, { workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, sys });
      const memory = s.memoryMiB === undefined ? [] : [`--max-old-space-size=${s.memoryMiB}`];
      let config: SandboxConfig | undefined;
      let program: string[];
      let code: string[];
      let layers: readonly string[];
      const base = { policy: s.policy, workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, runDir: s.runDir, name: s.name, args: s.args };
      if (s.command) {
        layers = [];
        code = s.command.codeDir ? [s.command.codeDir] : [];
        program = [s.command.program, ...s.command.args];
      } else if (s.mode === 'isolate') {
        const modules = isolateModules.get(s.entry) as IsolateModules;
        // isolated-vm and what it requires while loading (6.x: node-gyp-build), all read by the host.
        const ivm = isolatedVm as IsolatedVm;
        code = [...SANDBOX_READS, ...ivm.reads, ...Object.values(modules.files).map((f) => f.code)];
        const flags = compileNodeFlags({ engine, sys, features, extraRead: code });
        // The host loads isolated-vm (an addon); sleeve code cannot load anything (it has no Node API).
        const addons = features.allowAddons && !flags.flags.includes('--allow-addons') ? ['--allow-addons'] : [];
        layers = ISOLATE_LAYERS;
        program = [
          process.execPath,
          ...flags.flags,
          ...addons,
          '--no-node-snapshot',
          ...memory,
          ...disableWarning,
          ...(addons.length > 0 ? disableAddonWarning : []),
          ...loader,
        ];
        config = {
          ...base,
          entry: modules.entry,
          builtins: [],
          codePaths: [...SANDBOX_READS, ...ivm.reads],
          packageDirs: [],
          layers: [...layers],
          mode: 'isolate',
          isolate: { isolatedVm: ivm.dir, loadEnv: ivm.loadEnv, modules, memoryMiB: s.memoryMiB ?? DEFAULT_ISOLATE_MEMORY_MIB, timeoutMs: s.timeoutMs },
        };
      } else {
        const bundle = bundles.get(s.entry) as Bundle;
        // The node binary, also by /proc/self/exe: libraries read its ELF header to learn the libc
        // (detect-libc, under prebuilt addons such as DuckDB's); it is code the sleeve runs anyway.
        code = [...SANDBOX_READS, NODE_BINARY, PROC_SELF_EXE, bundle.file, ...bundle.packageDirs];
        const flags = compileNodeFlags({ engine, sys, features, extraRead: code });
        layers = LAYERS;
        program = [process.execPath, ...flags.flags, ...memory, ...disableWarning, '--enable-source-maps', ...loader];
        config = {
          ...base,
          entry: bundle.file,
          builtins: bundle.builtins,
          codePaths: [bundle.file, ...SANDBOX_READS, NODE_BINARY, PROC_SELF_EXE],
          packageDirs: bundle.packageDirs,
          layers: [...layers],
          mode: 'process',
        };
      }
      const env = buildSleeveEnv(s.policy, opts.parentEnv, s.env, {
        name: s.name,
        runId: s.runId,
        runDir: s.runDir,
        workspace: plan.workspace,
        batchRuns: s.batchRuns,
      });
      // V8's coverage collection and isolated-vm's isolates do not mix (isolated-vm asserts and aborts).
      // Node hands the runner's NODE_V8_COVERAGE to every child whatever its env says, so the sleeve's
      // shell wrapper unsets it (launch.ts); a command step is no Node of ours either.
      if (s.mode !== 'process') delete env.NODE_V8_COVERAGE;
      if (config) env.SLEEVE_SANDBOX_CONFIG = JSON.stringify({ ...config, awaitGo: true, writeRecords: true });
      let launch: Launch;
      let os: SleeveOsReport;
      let after = () => {};
      if (s.os.use && plan.osLayer?.available) {
        let sandboxed: ReturnType<typeof prepareSandboxLaunch>;
        try {
          sandboxed = prepareSandboxLaunch({
            sleeve: s,
            engine,
            sys,
            probe: plan.osLayer,
            command: program,
            code: [process.execPath, ...code],
            env,
            scratchDir: cacheDir,
          });
        } catch (error) {
          // Fail this sleeve closed, never the batch: nothing of it ran.
          return {
            failed: {
              ...notStarted(s, 'skipped', ''),
              status: 'failed',
              error: `the OS layer could not be prepared: ${(error as Error).message}`,
              os: osLayerNotUsed(s),
            },
          };
        }
        ({ launch, after } = sandboxed);
        os = sandboxed.report;
        layers = ['os', ...layers];
      } else {
        launch = plainLaunch(program[0] as string, program.slice(1), env, tools);
        os = osLayerNotUsed(s);
      }
      const handle = startSleeve({
        sleeve: s,
        launch,
        ...(config?.isolate ? { isolateMiB: config.isolate.memoryMiB } : {}),
        reportsExit: config !== undefined,
        workspace: plan.workspace,
        logLimitBytes: opts.logLimitBytes,
        graceMs: opts.graceMs ?? 3000,
        layers: [...layers],
        recordsDir: cacheDir,
        onStart: () => opts.progress.started(s.name),
      });
      return { handle, os, after };
    };
    /** Pre-warmed processes (pool.ts), by sleeve, until their "go" or their discard. */
    const warm = new Map<PlannedSleeve, Spawned>();
    const discarded: Promise<unknown>[] = [];
    const discard = (s: PlannedSleeve) => {
      const w = warm.get(s);
      warm.delete(s);
      if (!w || 'failed' in w) return;
      w.handle.discard();
      discarded.push(w.handle.result.then(w.after));
    };
    const runOne = async (s: PlannedSleeve): Promise<SleeveResult> => {
      const spawned = warm.get(s) ?? spawnOne(s);
      warm.delete(s);
      if ('failed' in spawned) {
        opts.progress.finished(spawned.failed);
        return spawned.failed;
      }
      const { handle, os, after } = spawned;
      running.add(handle);
      handle.go();
      const result = await handle.result;
      running.delete(handle);
      after();
      result.os = os;
      opts.progress.finished(result);
      return result;
    };

    const results = new Map<PlannedSleeve, SleeveResult>();
    for (const s of all) opts.progress.queued(s.name);
    let prepareFailed: string | undefined;
    for (const s of plan.prepare) {
      if (interrupted || prepareFailed) {
        results.set(s, notStarted(s, interrupted ? 'cancelled' : 'skipped', interrupted ? `interrupted by ${interrupted}` : (prepareFailed ?? '')));
        continue;
      }
      const r = await runOne(s);
      results.set(s, r.startedAt === null ? r : { ...r, schedule: { cpus: s.ask.cpus, memoryMiB: s.ask.memoryMiB, queueWaitMs: 0 } });
      if (r.status !== 'ok' || r.denials.length > 0) prepareFailed = `prepare step ${s.name} did not succeed (${r.status}); sleeves were not started`;
    }
    // The sleeves, started by the scheduler (scheduler.ts) as their asks fit the pool, in manifest order.
    const queue = [...plan.sleeves];
    const granted = new Map<PlannedSleeve, Resources>();
    const queueOpened = Date.now();
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        if (interrupted || prepareFailed) {
          for (const s of queue.splice(0)) {
            discard(s);
            const r = notStarted(s, interrupted ? 'cancelled' : 'skipped', interrupted ? `interrupted by ${interrupted}` : (prepareFailed ?? ''));
            results.set(s, r);
            opts.progress.finished(r);
          }
        }
        for (;;) {
          const i = nextToStart(
            plan.pool,
            [...granted.values()],
            queue.map((s) => s.ask),
            plan.concurrency,
          );
          if (i === undefined) break;
          const [s] = queue.splice(i, 1) as [PlannedSleeve];
          granted.set(s, s.ask);
          const schedule = { cpus: s.ask.cpus, memoryMiB: s.ask.memoryMiB, queueWaitMs: Date.now() - queueOpened };
          runOne(s).then((r) => {
            results.set(s, r.startedAt === null ? r : { ...r, schedule });
            granted.delete(s);
            pump();
          }, reject);
        }
        // The next sleeves set themselves up while these run (pool.ts); none after an interrupt.
        if (!interrupted && !prepareFailed) {
          for (const s of warmSet(queue, (q) => q.command === undefined, plan.warm)) if (!warm.has(s)) warm.set(s, spawnOne(s));
        }
        if (queue.length === 0 && granted.size === 0) resolve();
      };
      pump();
    });
    await Promise.all(discarded);
    // The combine step: once, after every sleeve succeeded without a denial (it combines their results).
    for (const s of plan.finalize) {
      const blocked = combineBlocked(
        plan.sleeves.map((x) => results.get(x) as SleeveResult),
        interrupted,
      );
      if (blocked) {
        const r = notStarted(s, blocked.status, blocked.why);
        results.set(s, r);
        opts.progress.finished(r);
        continue;
      }
      // Root gave each sleeve a uid of its own: what the combine step may read is opened to it (finalize.ts).
      if (s.os.use && plan.osLayer?.available && plan.osLayer.root) {
        const engine = compilePolicy(s.policy, { workspace: plan.workspace, runId: s.runId, runsDir: plan.runsDir, sys });
        openBatchResults(
          (s.batchRuns ?? []).map((b) => b.runDir),
          engine,
        );
      }
      const r = await runOne(s);
      results.set(s, r.startedAt === null ? r : { ...r, schedule: { cpus: s.ask.cpus, memoryMiB: s.ask.memoryMiB, queueWaitMs: 0 } });
    }
    opts.progress.close();
    return {
      workspace: plan.workspace,
      startedAt,
      endedAt: new Date().toISOString(),
      interrupted,
      results: all.map((s) => results.get(s) as SleeveResult),
      release: removeHandler,
    };
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}
