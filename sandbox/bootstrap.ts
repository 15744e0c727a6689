/**
 * The main module of every sleeve process. Before any sleeve code runs it:
 * reads its configuration (and removes it from the environment), compiles the
 * policy, opens the report channel, installs the fs and capability guards,
 * and arranges to die with the runner. Then it imports the sleeve's compiled
 * entry and, when that has a default-exported function, calls it with the
 * context object.
 */
import fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compilePolicy } from '../policies/engine.js';
import { installCapabilityGuard } from './capability-guard.js';
import { type SleeveContext, createSleeveFs } from './context.js';
import { installFsGuard } from './fs-guard.js';
import { createGuardSys } from './guard-sys.js';
import { hardenIntrinsics } from './harden.js';
import { createStatReader } from './intrinsics.js';
import { type Ivm, runInIsolate } from './isolate-host.js';
import { GO_FD, type IsolateConfig, type IsolateStats, REPORT_FD, type SandboxConfig, WRITES_FD } from './protocol.js';
import { createReporter } from './reporter.js';
import { createResolutionMemory } from './resolution-memory.js';

const CONFIG_VAR = 'SLEEVE_SANDBOX_CONFIG';
/** Passed in by the loader when it runs the bundle from a code cache (scripts/bundle-sandbox.js: bootstrap-run.cjs). */
declare const __sandboxImport: ((specifier: string) => Promise<unknown>) | undefined;
const importEntry = typeof __sandboxImport === 'function' ? __sandboxImport : (specifier: string) => import(specifier);

function fatal(message: string): never {
  process.stderr.write(`sleeve-sandbox bootstrap: ${message}\n`);
  process.exit(70);
}

const raw = process.env[CONFIG_VAR];
delete process.env[CONFIG_VAR];
if (!raw) fatal(`${CONFIG_VAR} is not set: sleeves are started by "sleeve-sandbox run"`);
const config = JSON.parse(raw) as SandboxConfig;

// The guard resolves paths with the functions captured here, before wrapping.
const original = {
  lstatSync: fs.lstatSync,
  readlinkSync: fs.readlinkSync,
  readdirSync: fs.readdirSync,
  readFileSync: fs.readFileSync,
  readSync: fs.readSync,
  fstatSync: fs.fstatSync,
  closeSync: fs.closeSync,
  realpathSync: Object.assign(fs.realpathSync.bind(fs), { native: fs.realpathSync.native }) as typeof fs.realpathSync,
  statSync: fs.statSync,
  writeSync: fs.writeSync,
};
/** The run dir when its spelling is its real path (the runner's is): the auditor matches records by that spelling. */
function realRunDir(): string | undefined {
  try {
    return fs.realpathSync.native(config.runDir) === config.runDir ? config.runDir : undefined;
  } catch {
    return undefined;
  }
}
/**
 * Workers, child processes and native addons change the tree beside the guard: with any of them allowed,
 * nothing is remembered between decisions (no directories, no allowed reads).
 */
const seesEveryChange = !config.policy.process.workers && !config.policy.process.childProcess && !config.policy.process.addons;
const runDirReal = realRunDir();
const memory = seesEveryChange && runDirReal !== undefined ? createResolutionMemory(runDirReal) : undefined;
// Facts about files come from mode bits of checked Stats objects, never from their methods.
const stats = createStatReader({ lstatSync: fs.lstatSync, statSync: fs.statSync, fstatSync: fs.fstatSync } as never, fs.Stats);
const sys = createGuardSys(
  {
    realpathNative: fs.realpathSync.native as (p: string) => string,
    readlinkSync: fs.readlinkSync as (p: string, e: 'utf8') => string,
    readdirSync: fs.readdirSync as (p: string) => string[],
    readFileSync: fs.readFileSync as (p: string, e: 'utf8') => string,
  },
  stats,
  process.cwd.bind(process),
  memory,
);
// No resolution cache in the engine: a listing remembered from before can be made stale by a process the guard does
// not see. What the sys remembers (`memory`) is bounded and forgotten at each change of names (resolution-memory.ts).
const engine = compilePolicy(config.policy, { workspace: config.workspace, runId: config.runId, runsDir: config.runsDir, sys, cacheResolutions: false });
// What the bootstrap asks of the process later is bound now: a sleeve may replace process methods.
const selfKill = process.kill.bind(process, process.pid, 'SIGKILL');
const resourceUsage = process.resourceUsage.bind(process);
const reporter = createReporter(
  (fd, data, offset) => original.writeSync(fd, data, offset, data.length - offset),
  undefined,
  () => selfKill(),
  config.writeRecords ? WRITES_FD : REPORT_FD,
  runDirReal,
);

// Die with the runner: when it goes, this process is re-parented and its ppid changes.
const runnerPid = process.ppid;
setInterval(() => {
  if (process.ppid !== runnerPid) selfKill();
}, 500).unref();

// Isolate mode: isolated-vm is loaded before the guard (Node's loader reads it through fs), with
// the environment the runner's probe found it needs (loadEnv: node-gyp-build's LIBC, so it does not
// look for /etc/alpine-release outside the grants), set for the load only.
function loadIsolatedVm(iso: IsolateConfig): Ivm {
  const set = Object.entries(iso.loadEnv ?? {});
  const before = set.map(([k]) => [k, process.env[k]] as const);
  for (const [k, v] of set) process.env[k] = v;
  try {
    return createRequire(`${iso.isolatedVm}/`)(iso.isolatedVm) as Ivm;
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
const ivm = config.mode === 'isolate' && config.isolate ? loadIsolatedVm(config.isolate) : undefined;

const fsGuard = installFsGuard(fs, {
  engine,
  reporter,
  codePaths: config.codePaths,
  packageDirs: config.packageDirs,
  hideFrames: fileURLToPath(import.meta.url),
  // This very file: the sandbox may read it, so one open of it shows the FileHandle class.
  handleProbe: fileURLToPath(import.meta.url),
  ...(config.writeRecords ? { recordsFd: WRITES_FD } : {}),
  rememberReads: seesEveryChange,
  ...(memory === undefined ? {} : { resolutionMemory: memory }),
});

/**
 * A pre-warmed process waits here, with everything above done and no sleeve code loaded, until the runner
 * writes one byte on the go pipe. What it runs was bound at spawn (config, env, flags, mounts): the byte
 * carries nothing, and the pipe is closed before sleeve code runs, so the sleeve can neither read more from
 * it nor find it open. End of file (the runner did not need this process, or died) exits having run nothing.
 */
function awaitGo(): void {
  // Without the runner's pipe the number may be one of Node's own (libuv's epoll): never read that.
  let kind: string;
  try {
    const st = original.fstatSync(GO_FD);
    kind = st.isFIFO() || st.isSocket() ? 'pipe' : 'not a pipe';
  } catch (error) {
    kind = (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
  noSleeve = kind !== 'pipe';
  if (noSleeve) fatal(`cannot read the go pipe (fd ${GO_FD}): ${kind}`);
  const byte = Buffer.alloc(1);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let n = -1;
  for (;;) {
    try {
      n = original.readSync(GO_FD, byte, 0, 1, null);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EINTR') {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      noSleeve = true;
      fatal(`cannot read the go pipe (fd ${GO_FD}): ${code ?? (error as Error).message}`);
    }
  }
  try {
    original.closeSync(GO_FD);
  } catch {
    // closed either way
  }
  if (n !== 1) {
    noSleeve = true;
    process.exit(0);
  }
}

/** No sleeve ran in this process (not needed, or no go pipe): it sends no exit report. */
let noSleeve = false;
let isolateStats: IsolateStats | undefined;
process.on('exit', () => {
  if (noSleeve) return;
  const usage = resourceUsage();
  reporter.send({
    t: 'exit',
    outcome: process.exitCode && process.exitCode !== 0 ? 'threw' : 'returned',
    maxRssKiB: usage.maxRSS,
    cpuUserMs: Math.round(usage.userCPUTime / 1000),
    cpuSystemMs: Math.round(usage.systemCPUTime / 1000),
    ...(isolateStats ? { isolate: isolateStats } : {}),
  });
});

/**
 * The rest runs once the guard holds the FileHandle prototype. A function, not top-level await: the
 * bundle a sleeve process runs is a CommonJS script (so that V8 can take it from the runner's code
 * cache, execute.ts), which has none.
 */
async function main(): Promise<void> {
  try {
    await fsGuard.ready;
  } catch (error) {
    fatal(`cannot guard the FileHandle prototype: ${(error as Error).message}`);
  }
  if (ivm) {
    // Sleeve code runs only inside the isolate: this realm runs nothing but the sandbox.
    if (config.awaitGo) awaitGo();
    reporter.send({ t: 'ready', layers: config.layers });
    const outcome = runInIsolate({
      ivm,
      config: config as SandboxConfig & { isolate: IsolateConfig },
      fs,
      engine,
      reporter,
      readCode: (file) => original.readFileSync(file, 'utf8'),
      writeOut: (fd, text) => {
        try {
          original.writeSync(fd, text);
        } catch {
          // the log pipe is gone: nothing to tell
        }
      },
    });
    isolateStats = outcome.stats;
    process.exitCode = outcome.exitCode;
  } else {
    installCapabilityGuard({
      engine,
      reporter,
      eager: config.builtins,
      checkWrite: (p, syscall) => void fsGuard.checkPath('write', p, syscall, true),
    });
    syncBuiltinESMExports();
    hardenIntrinsics();
    if (config.awaitGo) awaitGo();
    reporter.send({ t: 'ready', layers: config.layers });

    process.argv = [process.argv[0] as string, config.entry, ...config.args];
    const ctx: SleeveContext = Object.freeze({
      runId: config.runId,
      runDir: config.runDir,
      name: config.name,
      workspace: config.workspace,
      args: Object.freeze([...config.args]),
      env: Object.freeze({ ...process.env }) as Readonly<Record<string, string>>,
      fs: createSleeveFs(fs),
      log: (...args: unknown[]) => console.log(...args),
    });

    const mod = (await importEntry(pathToFileURL(config.entry).href)) as { default?: unknown };
    if (typeof mod.default === 'function') {
      try {
        await (mod.default as (c: SleeveContext) => unknown)(ctx);
      } catch (error) {
        console.error(error);
        process.exitCode = 1;
      }
    }
  }
}

main().catch((error: unknown) => {
  // As Node reports an entry that throws while it loads: the error on stderr, exit 1.
  console.error(error);
  process.exitCode = 1;
});
