/**
 * Turns run options (and a manifest) into a validated batch plan. Everything
 * that can be wrong with the input is found here, before anything runs or is
 * created: the workspace, the manifest, every policy, every entry, run ids
 * (format, uniqueness, collisions with existing run directories), the
 * manifest's env, and each policy's `requires` paths.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT, ManifestError, PolicyNotFoundError, SleeveSandboxError, UsageError } from '../../policies/errors.js';
import { formatJsonPath } from '../../policies/json-source.js';
import { type LoadedPolicy, loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { checkRunId } from '../../policies/patterns.js';
import { checkRequires } from '../../policies/requires.js';
import { bindBatchRunDirs, batchRunDirsRule } from '../../policies/batch-run-dirs.js';
import { compilePolicy } from '../../policies/engine.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import { OS_LAYER_SETTINGS, type OsLayerSetting } from '../../policies/schema.js';
import { type ResolvedCommand, resolveCommand } from './command.js';
import { buildSleeveEnv, checkExtraEnv } from './env.js';
import { type OsLayerProbe, checkSandboxCompiles, decideOsLayer, probeOsLayer } from './os-layer.js';
import { type LoadedManifest, type ManifestStep, SLEEVE_NAME_RE, loadManifest } from './manifest.js';
import { type DiscoverFs, MANIFEST_FILE, findManifest, nodeDiscoverFs, suggestEntry, suggestManifestPath } from './discover.js';
import { generateRunId } from './run-id.js';
import { DEFAULT_ASK, type Resources, askProblem, defaultPool } from './scheduler.js';
import { defaultWarm } from './pool.js';
import { resolveRunsDir } from './runs-dir.js';
import type { PlannedSleeve, SleeveKind } from './types.js';

export interface RunOptions {
  policy?: string;
  workspace?: string;
  manifest?: string;
  sleeve?: string[];
  concurrency?: number;
  /** Sleeves pre-warmed ahead of their turn (pool.ts; default: the cores the concurrency leaves idle). */
  warm?: number;
  timeout?: number;
  memory?: number;
  mode?: string;
  /** required | auto | off: raises the OS layer of every step (never lowers it). */
  osLayer?: string;
  reportDir?: string;
  /** Workspace-relative run root (--runs-dir); else the manifest's `runsDir`, else `runs`. */
  runsDir?: string;
  json?: boolean;
  logLimitMiB?: number;
  /** Run the auditor (default true). */
  audit?: boolean;
  /** Hash protected files (default true). */
  hash?: boolean;
  /** Workspace-relative globs the auditor leaves out. */
  auditIgnore?: string[];
  /** The pool's CPUs (`--cpus`; default: the available parallelism). */
  cpus?: number;
  /** The pool's memory in MiB (`--memory-total`; default: the machine's less a reserve, scheduler.ts). */
  memoryTotal?: number;
  /** `--export zip`: one zip per run dir after the audit (export-zip.ts). */
  export?: string;
  /** Where the zips go (default `<report dir>/artifacts`). */
  exportDir?: string;
  /** Cap on the bytes of files exported, in MiB (default 1024). */
  exportLimitMiB?: number;
  /** The combine step from code (the library API); a manifest's `finalize` and this are not both given. */
  finalize?: { name: string; entry: string; policy?: string | undefined } | undefined;
  /** `--queue redis://...`: run the sleeves on the queue's workers (runner/queue/submit.ts). */
  queue?: string;
  /** With --queue: cap on each sleeve's zip and its unpacked files, MiB (default 1024). */
  artifactLimitMiB?: number;
  /** With --queue: Redis silent this long mid-batch stops the batch, seconds (default 30). */
  queueLostSeconds?: number;
}

export interface BatchPlan {
  workspace: string;
  /** The manifest read (given or discovered), absolute; undefined with --sleeve only. */
  manifest: string | undefined;
  /** Workspace-relative run root: every run dir is `<workspace>/<runsDir>/<runId>`. */
  runsDir: string;
  prepare: PlannedSleeve[];
  sleeves: PlannedSleeve[];
  /** The combine step (`finalize` in the manifest), at most one: it runs after every sleeve succeeded. */
  finalize: PlannedSleeve[];
  concurrency: number;
  /** How many queued sleeves are kept warm (pool.ts). */
  warm: number;
  /** What the sleeves share (scheduler.ts), and which flag set each total, for messages. */
  pool: Resources & { from: { cpus: string; memoryMiB: string } };
  /** The OS layer probe, when one was needed (undefined when every step had it off). */
  osLayer: OsLayerProbe | undefined;
}

const ENTRY_RE = /\.(?:[cm]?js|ts)$/;

function minDefined(...values: Array<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}

export interface PlanDeps {
  /** The runner's environment (the sleeves' PATH comes from it through their policies). */
  env?: NodeJS.ProcessEnv;
  /** Whether bubblewrap works here; asked at most once, and only when a step does not turn the OS layer off. */
  probe?: () => OsLayerProbe;
  /** The pool when no flag sets it (default: the available parallelism and the machine's memory less a reserve). */
  pool?: Resources;
}

function didYouMean(entry: string, workspace: string): string {
  const near = suggestEntry(entry, workspace);
  return near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
}

/**
 * The manifest file: --manifest (resolved from `cwd`; when it does not exist
 * but the path works from a parent, or its last part is here, the error says
 * so); else, with no --sleeve, the one discovery finds; else none.
 */
export function locateManifest(opts: Pick<RunOptions, 'manifest' | 'sleeve'>, cwd: string, fsx: DiscoverFs = nodeDiscoverFs): string | undefined {
  if (opts.manifest !== undefined) {
    const file = path.resolve(cwd, opts.manifest);
    if (!fsx.exists(file)) {
      const near = suggestManifestPath(opts.manifest, cwd, fsx);
      if (near !== undefined) {
        throw new UsageError(
          `--manifest ${opts.manifest}: ${file} does not exist (a relative --manifest is read from the current directory, ${cwd}); did you mean --manifest ${path.relative(cwd, near) || near}?`,
        );
      }
    }
    return file;
  }
  if ((opts.sleeve ?? []).length > 0) return undefined;
  const found = findManifest(cwd, fsx);
  if (found.file !== undefined) return found.file;
  const last = found.searched[found.searched.length - 1] as string;
  throw new UsageError(
    `nothing to run: no --manifest, no --sleeve, and no ${MANIFEST_FILE} in ${cwd} or above (searched up to ${last}${found.stop === 'git' ? ', the top of this git repository' : ''}); ` +
      'run "sleeve-sandbox init" to start a workspace here, or give --manifest FILE or --sleeve NAME=ENTRY',
  );
}

/** Every step of a batch in the order it runs: prepare, sleeves, the combine step. */
export function stepsOf(plan: Pick<BatchPlan, 'prepare' | 'sleeves' | 'finalize'>): PlannedSleeve[] {
  return [...plan.prepare, ...plan.sleeves, ...plan.finalize];
}

/**
 * A step's policy as it runs: the combine step's with `{batchRunDirs}` bound
 * to the run dirs of this batch's sleeves (planned before it); any other step
 * whose policy names `{batchRunDirs}` is refused, since it has no batch to see.
 */
export function batchPolicy(policy: ResolvedPolicy, kind: SleeveKind, where: string, runsDir: string, planned: readonly PlannedSleeve[]): ResolvedPolicy {
  if (kind === 'finalize')
    return bindBatchRunDirs(
      policy,
      runsDir,
      planned.filter((p) => p.kind === 'sleeve').map((p) => p.runId),
    );
  const rule = batchRunDirsRule(policy);
  if (rule === undefined) return policy;
  throw new UsageError(
    `${where}: policy ${policy.name} names {batchRunDirs} (${rule.list} ${JSON.stringify(rule.pattern)} at ${rule.origin.file}:${rule.origin.line}:${rule.origin.column}), ` +
      'which only the combine step has: give this step a policy without it, or make it the manifest\'s "finalize" step',
  );
}

export function planBatch(opts: RunOptions, cwd: string, defaultConcurrency: number, deps: PlanDeps = {}): BatchPlan {
  const parentEnv = deps.env ?? process.env;
  let probed: OsLayerProbe | undefined;
  const getProbe = () => {
    probed ??= (deps.probe ?? probeOsLayer)();
    return probed;
  };
  // The manifest: --manifest, else (with no --sleeve either) sleeve-manifest.json here or above (discover.ts).
  const manifestFile = locateManifest(opts, cwd);
  // The workspace: --workspace, else the manifest's directory, else the current directory.
  const workspaceArg = path.resolve(cwd, opts.workspace ?? (manifestFile ? path.dirname(manifestFile) : '.'));
  let workspace: string;
  try {
    workspace = fs.realpathSync.native(workspaceArg);
  } catch {
    throw new UsageError(`--workspace ${workspaceArg} does not exist: pass the directory that holds data/ and runs/`);
  }
  if (!fs.statSync(workspace).isDirectory()) throw new UsageError(`--workspace ${workspaceArg} is not a directory`);
  if (opts.osLayer !== undefined && !(OS_LAYER_SETTINGS as readonly string[]).includes(opts.osLayer)) {
    throw new UsageError(`--os-layer must be "required", "auto" or "off", got ${JSON.stringify(opts.osLayer)}`);
  }
  if (opts.mode !== undefined && opts.mode !== 'process' && opts.mode !== 'isolate') {
    throw new UsageError(`--mode must be "process" or "isolate", got ${JSON.stringify(opts.mode)}`);
  }
  const manifest: LoadedManifest | undefined = manifestFile ? loadManifest(manifestFile) : undefined;
  const runsDir = resolveRunsDir(workspace, opts.runsDir, manifest);
  const defaultPolicyRef = opts.policy ?? manifest?.manifest.policy;
  const sys = createNodeSys(undefined, () => cwd);
  const policies = new Map<string, LoadedPolicy>();
  /** `from`: where the reference was written: a JSON path in the manifest, or undefined for --policy. */
  const policyFor = (ref: string, relativeTo: string, from: Array<string | number> | undefined): LoadedPolicy => {
    const key = `${relativeTo}\0${ref}`;
    let loaded = policies.get(key);
    if (!loaded) {
      try {
        loaded = loadPolicy(ref, { workspace, sys: createNodeSys(undefined, () => relativeTo) });
      } catch (error) {
        // The reference itself names nothing: say so where it was written (by the error's class, never its text).
        const first = error instanceof PolicyNotFoundError ? error.diagnostics[0] : undefined;
        if (!first) throw error;
        if (from && manifest) {
          throw new ManifestError([
            { file: manifest.file, ...manifest.json.locate(from), jsonPath: formatJsonPath(from), level: 'error', message: first.message },
          ]);
        }
        throw new SleeveSandboxError('EPOLICY', `--policy ${ref}: ${first.message}`, EXIT.usage);
      }
      policies.set(key, loaded);
    }
    return loaded;
  };

  type Source = { kind: SleeveKind; step: ManifestStep; where: string; policyBase: string; at?: Array<string | number> };
  const sources: Source[] = [];
  if (manifest) {
    const m = manifest.manifest;
    const at = (list: string, i: number) => {
      const pos = manifest.json.locate([list, i]);
      return `${manifest.file}:${pos.line}:${pos.column} (${formatJsonPath([list, i])})`;
    };
    const base = path.dirname(manifest.file);
    for (const [i, step] of (m.prepare ?? []).entries()) sources.push({ kind: 'prepare', step, where: at('prepare', i), policyBase: base, at: ['prepare', i] });
    for (const [i, step] of m.sleeves.entries()) sources.push({ kind: 'sleeve', step, where: at('sleeves', i), policyBase: base, at: ['sleeves', i] });
  }
  const finalizeStep = manifest?.manifest.finalize;
  for (const spec of opts.sleeve ?? []) {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : '';
    const entry = eq > 0 ? spec.slice(eq + 1) : '';
    if (!SLEEVE_NAME_RE.test(name) || entry === '') {
      throw new UsageError(
        `--sleeve ${JSON.stringify(spec)}: expected NAME=ENTRY with NAME of letters, digits, ".", "_" or "-", e.g. --sleeve ma_long=sleeves/ma-long.ts`,
      );
    }
    sources.push({ kind: 'sleeve', step: { name, entry }, where: `--sleeve ${spec}`, policyBase: cwd });
  }
  if (sources.filter((s) => s.kind === 'sleeve').length === 0) {
    throw new UsageError('nothing to run: give --manifest FILE or at least one --sleeve NAME=ENTRY');
  }
  // The combine step comes last, so it reads the run dirs of every sleeve (the manifest's and --sleeve's).
  if (manifest && finalizeStep) {
    const pos = manifest.json.locate(['finalize']);
    const where = `${manifest.file}:${pos.line}:${pos.column} (finalize)`;
    if (opts.finalize) throw new UsageError(`the finalize option: the manifest has a combine step already (${where}); give one or the other`);
    sources.push({ kind: 'finalize', step: finalizeStep, where, policyBase: path.dirname(manifest.file), at: ['finalize'] });
  } else if (opts.finalize) {
    const { name, entry, policy } = opts.finalize;
    if (!SLEEVE_NAME_RE.test(name))
      throw new UsageError(
        `the finalize option: name ${JSON.stringify(name)} must be letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit)`,
      );
    sources.push({
      kind: 'finalize',
      step: { name, entry, ...(policy === undefined ? {} : { policy }) },
      where: `the finalize option (${name})`,
      policyBase: cwd,
    });
  }
  const machine = deps.pool ?? defaultPool(defaultConcurrency, os.totalmem() / 1048576);
  const pool: BatchPlan['pool'] = {
    cpus: opts.cpus ?? machine.cpus,
    memoryMiB: opts.memoryTotal ?? machine.memoryMiB,
    from: {
      cpus: opts.cpus !== undefined ? '--cpus' : 'the available parallelism',
      memoryMiB: opts.memoryTotal !== undefined ? '--memory-total' : "the machine's memory less a reserve",
    },
  };
  const names = new Set<string>();
  const runIds = new Set<string>();
  const planned: PlannedSleeve[] = [];
  for (const src of sources) {
    const { step, where } = src;
    if (names.has(step.name)) throw new UsageError(`${where}: the sleeve name ${JSON.stringify(step.name)} is used twice in this batch; rename one`);
    names.add(step.name);
    const ref = step.policy ?? defaultPolicyRef;
    if (ref === undefined) throw new UsageError(`${where}: no policy: pass --policy <name|path> (e.g. --policy strict) or set "policy" in the manifest`);
    const asLoaded = step.policy
      ? policyFor(step.policy, src.policyBase, src.at ? [...src.at, 'policy'] : undefined)
      : opts.policy
        ? policyFor(ref, cwd, undefined)
        : policyFor(ref, src.policyBase, ['policy']);
    const loaded = { ...asLoaded, policy: batchPolicy(asLoaded.policy, src.kind, where, runsDir, planned) };
    const runId = step.runId ?? generateRunId(step.name);
    const bad = checkRunId(runId);
    if (bad) throw new UsageError(`${where}: invalid run id: ${bad}`);
    if (runIds.has(runId)) throw new UsageError(`${where}: run id ${runId} is used twice in this batch`);
    runIds.add(runId);
    const runDir = path.join(workspace, runsDir, runId);
    // The sleeve's environment and decisions, as it will have them: a command's PATH, the sandbox's check.
    const batchRuns =
      src.kind === 'finalize' ? planned.filter((p) => p.kind === 'sleeve').map((p) => ({ name: p.name, runId: p.runId, runDir: p.runDir })) : undefined;
    const sleeveEnv = () => buildSleeveEnv(loaded.policy, parentEnv, step.env ?? {}, { name: step.name, runId, runDir, workspace, batchRuns });
    const wsSys = createNodeSys(undefined, () => workspace);
    const engine = compilePolicy(loaded.policy, { workspace, runId, runsDir, sys: wsSys });
    let entry: string;
    let command: ResolvedCommand | undefined;
    if (step.command !== undefined) {
      const env = sleeveEnv();
      command = resolveCommand(step.command, {
        workspace,
        runsDir: path.join(workspace, runsDir),
        pathVar: env.PATH,
        where,
        isReadDenied: (file) => engine.decide('read', file).rule?.list === 'fs.read.deny',
      });
      entry = command.program;
    } else {
      entry = path.resolve(workspace, step.entry as string);
      if (!ENTRY_RE.test(entry))
        throw new UsageError(`${where}: entry ${step.entry} must be a .js, .mjs, .cjs or .ts file${didYouMean(step.entry as string, workspace)}`);
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(entry);
      } catch {
        st = undefined;
      }
      if (!st?.isFile())
        throw new UsageError(
          `${where}: entry ${step.entry} not found (looked at ${entry}); entries are relative to the workspace${didYouMean(step.entry as string, workspace)}`,
        );
    }
    if (fs.existsSync(runDir)) {
      throw new UsageError(`${where}: run id ${runId} already exists (${runDir}); run ids are never reused: pick another or omit it to generate one`);
    }
    checkExtraEnv(loaded.policy, step.env ?? {}, where);
    checkRequires(loaded.policy, { workspace, runId, runsDir, sys });
    const timeoutSeconds = minDefined(loaded.policy.resources.timeoutSeconds, opts.timeout);
    // Isolation is never lowered: isolate when any of the CLI, the manifest or the policy asks for it.
    const modeFrom =
      opts.mode === 'isolate'
        ? '--mode isolate'
        : step.mode === 'isolate'
          ? `${where} "mode"`
          : manifest?.manifest.mode === 'isolate'
            ? `${manifest.file} "mode"`
            : loaded.policy.mode === 'isolate'
              ? `policy ${loaded.policy.name}`
              : undefined;
    // --mode isolate and a manifest's default mode choose where JavaScript runs; a policy that asks for
    // isolation, though, is a promise about everything run under it, which a program that is not JavaScript cannot keep.
    if (command && loaded.policy.mode === 'isolate') {
      throw new UsageError(
        `${where}: policy ${loaded.policy.name} asks for isolate mode, which runs JavaScript only; a command step cannot keep that promise: give this step a policy without "mode": "isolate"`,
      );
    }
    const os = decideOsLayer(
      [
        [opts.osLayer as OsLayerSetting | undefined, `--os-layer ${opts.osLayer}`],
        [step.osLayer, `${where} "osLayer"`],
        [manifest?.manifest.osLayer, `${manifest?.file} "osLayer"`],
        [loaded.policy.osLayerFrom === undefined ? undefined : loaded.policy.osLayer, loaded.policy.osLayerFrom ?? ''],
      ],
      { command: command !== undefined, where, probe: getProbe },
    );
    if (os.use) checkSandboxCompiles({ engine, sys: wsSys, env: sleeveEnv(), where, probe: getProbe() });
    const ask: Resources = { cpus: loaded.policy.resources.cpus ?? DEFAULT_ASK.cpus, memoryMiB: loaded.policy.resources.memoryMiB ?? DEFAULT_ASK.memoryMiB };
    const never = askProblem(pool, ask);
    if (never) {
      throw new UsageError(
        `${where}: sleeve ${step.name} can never start: it ${never} (policy ${loaded.policy.name} resources: ${ask.cpus} cpus, ${ask.memoryMiB} MiB; ` +
          `the pool has ${pool.cpus} cpus from ${pool.from.cpus} and ${pool.memoryMiB} MiB from ${pool.from.memoryMiB}); ` +
          'raise --cpus / --memory-total, or lower resources.cpus / resources.memoryMiB in its policy',
      );
    }
    planned.push({
      kind: src.kind,
      ...(batchRuns ? { batchRuns } : {}),
      name: step.name,
      entry,
      ...(command ? { command } : {}),
      args: command ? command.args : (step.args ?? []),
      env: step.env ?? {},
      runId,
      runDir,
      policy: loaded.policy,
      timeoutMs: timeoutSeconds === undefined ? undefined : Math.round(timeoutSeconds * 1000),
      memoryMiB: minDefined(loaded.policy.resources.memoryMiB, opts.memory),
      ask,
      mode: command ? 'command' : modeFrom === undefined ? 'process' : 'isolate',
      modeFrom,
      os,
      where,
    });
  }
  return {
    workspace,
    manifest: manifestFile,
    runsDir,
    prepare: planned.filter((p) => p.kind === 'prepare'),
    sleeves: planned.filter((p) => p.kind === 'sleeve'),
    finalize: planned.filter((p) => p.kind === 'finalize'),
    concurrency: opts.concurrency ?? defaultConcurrency,
    warm: opts.warm ?? defaultWarm(defaultConcurrency, opts.concurrency ?? defaultConcurrency),
    pool,
    osLayer: probed,
  };
}
