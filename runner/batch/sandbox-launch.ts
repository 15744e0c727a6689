/**
 * Puts one sleeve inside the OS layer: compiles its bubblewrap sandbox from
 * its policy (policies/os-layer.ts), prepares what the sandbox needs on the
 * host (the run dir owned by the sleeve's own uid when the runner is root, a
 * TMPDIR in the run dir, the mount table in logs/os-layer.json), and returns
 * the launch and what the report says about the layer.
 *
 * Coverage of the sandbox's own code in tests: when the runner has
 * NODE_V8_COVERAGE, the sleeve writes its coverage into a directory of its own
 * inside it (bound read-write), which `collectCoverage` empties into the
 * runner's afterwards. Nothing of this happens outside coverage runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPolicy } from '../../policies/engine.js';
import { compileOsLayer, identityFiles } from '../../policies/os-layer.js';
import { expandVariables, isWithin, patternBase } from '../../policies/patterns.js';
import type { Sys } from '../../policies/sys.js';
import type { SleeveOsReport } from '../audit/schema.js';
import { type Launch, osLayerLaunch } from './launch.js';
import { type OsLayerProbe, SANDBOX_MAX_PROCESSES, sandboxUid } from './os-layer.js';
import type { PlannedSleeve } from './types.js';

export interface SandboxLaunchInput {
  sleeve: PlannedSleeve;
  engine: CompiledPolicy;
  sys: Sys;
  probe: Extract<OsLayerProbe, { available: true }>;
  /** The program and its arguments, as the sandbox runs them. */
  command: readonly string[];
  code: readonly string[];
  env: Record<string, string>;
  /** Holds the empty file and directory masks are bound from. */
  scratchDir: string;
}

export interface SandboxLaunch {
  launch: Launch;
  report: SleeveOsReport;
  /** Call after the sleeve ended. */
  after: () => void;
}

function ensureMaskSources(scratchDir: string): { emptyFile: string; emptyDir: string } {
  const emptyFile = path.join(scratchDir, 'os-mask-file');
  const emptyDir = path.join(scratchDir, 'os-mask-dir');
  writeOnce(emptyFile, '');
  fs.mkdirSync(emptyDir, { recursive: true, mode: 0o555 });
  return { emptyFile, emptyDir };
}

/** Writes a read-only file the first time; every later sleeve of the batch finds it there. */
function writeOnce(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text, { mode: 0o444, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Moves the sleeve's coverage files into the runner's coverage directory. */
function collectCoverage(from: string, to: string): void {
  try {
    for (const name of fs.readdirSync(from)) fs.renameSync(path.join(from, name), path.join(to, name));
    fs.rmSync(from, { recursive: true, force: true });
  } catch {
    // coverage is best effort
  }
}

export function prepareSandboxLaunch(input: SandboxLaunchInput): SandboxLaunch {
  const { sleeve, probe } = input;
  const env = { ...input.env };
  const workspace = input.engine.workspace;
  // A step that writes only its run dir runs as a uid of its own. One whose policy writes elsewhere (an ingest
  // rewriting the lakehouse) runs as the owner of the workspace, whose files it updates: the kernel checks modes too.
  const writesElsewhere = sleeve.policy.fs.write.allow.some((r) => {
    const base = patternBase(expandVariables(r.pattern, { runDir: path.relative(workspace, sleeve.runDir), runId: sleeve.runId }));
    return !isWithin(path.resolve(workspace, base), sleeve.runDir);
  });
  const owner = fs.statSync(workspace);
  const ownUid = sandboxUid(workspace, sleeve.runId);
  const user = !probe.root ? null : writesElsewhere ? { uid: owner.uid, gid: owner.gid } : { uid: ownUid, gid: ownUid };
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  // The sleeve's temporary files live in its own run dir (env.TMPDIR, made with it): /tmp inside the sandbox is empty and read-only.
  const tmp = path.join(sleeve.runDir, 'tmp');
  const extraWrite: string[] = [];
  let coverage: { dir: string; parent: string } | undefined;
  if (env.NODE_V8_COVERAGE) {
    // Its own directory: run ids repeat across the batches of a test suite running side by side.
    const dir = fs.mkdtempSync(path.join(env.NODE_V8_COVERAGE, 'sleeve-'));
    coverage = { dir, parent: env.NODE_V8_COVERAGE };
    env.NODE_V8_COVERAGE = dir;
    extraWrite.push(dir);
  }
  if (user && user.uid !== 0) for (const dir of [sleeve.runDir, tmp, ...(coverage ? [coverage.dir] : [])]) fs.chownSync(dir, user.uid, user.gid);
  const ids = user ?? self;
  const files = identityFiles(ids.uid, ids.gid);
  const identity = { passwd: path.join(input.scratchDir, `passwd-${ids.uid}`), group: path.join(input.scratchDir, `group-${ids.gid}`) };
  // The same for every sleeve of one uid (all of them when the runner is not root): written once.
  writeOnce(identity.passwd, files.passwd);
  writeOnce(identity.group, files.group);
  const plan = compileOsLayer({
    identity,
    engine: input.engine,
    sys: input.sys,
    command: input.command,
    code: input.code,
    extraWrite,
    env,
    ...ensureMaskSources(input.scratchDir),
    user,
    self,
    ...(probe.setpriv ? { setpriv: probe.setpriv } : {}),
    prlimit: probe.prlimit,
    maxProcesses: SANDBOX_MAX_PROCESSES,
  });
  const logs = path.join(sleeve.runDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  fs.writeFileSync(
    path.join(logs, 'os-layer.json'),
    `${JSON.stringify({ bubblewrap: probe.version, user, mounts: plan.mounts, unenforced: plan.unenforced, network: plan.network ? 'open' : 'closed' }, null, 2)}\n`,
  );
  const report: SleeveOsReport = {
    used: true,
    setting: sleeve.os.setting,
    from: sleeve.os.from,
    identity: user
      ? `uid ${user.uid}${writesElsewhere ? ' (the workspace owner: its policy writes outside its run dir)' : ''}, no capabilities, no_new_privs (the runner is root: no user namespace needed)`
      : `uid ${self.uid} in a user namespace of its own, no capabilities, no further user namespaces`,
    network: plan.network ? 'open' : 'closed',
    maxProcesses: SANDBOX_MAX_PROCESSES,
    mounts: plan.mounts.length,
    unenforced: plan.unenforced.map((u) => ({ list: u.list, pattern: u.pattern, why: u.why })),
    denialsItemised: sleeve.mode !== 'command',
  };
  return {
    launch: osLayerLaunch(probe.bwrap, plan),
    report,
    after: () => {
      if (coverage) collectCoverage(coverage.dir, coverage.parent);
    },
  };
}

/** What the report says of a sleeve that ran without the OS layer. */
export function osLayerNotUsed(sleeve: PlannedSleeve): SleeveOsReport {
  return {
    used: false,
    setting: sleeve.os.setting,
    from: sleeve.os.from,
    ...(sleeve.os.use ? {} : { why: sleeve.os.why }),
    unenforced: [],
    denialsItemised: true,
  };
}
