/**
 * `sleeve-sandbox doctor`: what this machine gives the sandbox. The Node
 * version, its permission model, the known permission-model fixes it lacks
 * (and which layer covers each), the OS layer (whether bubblewrap can build a
 * sandbox here, and if not why and how to enable it), the limits that hold
 * inside it, and the layers `run` will use.
 */
import fs from 'node:fs';
import { EXIT } from '../../policies/errors.js';
import { detectNodeFeatures } from '../../policies/node-flags.js';
import { type IsolatedVmStatus, describeIsolatedVm, isolatedVmStatus } from '../batch/isolated-vm.js';
import { KNOWN_FIXES, fixState } from '../doctor/known-fixes.js';
import { type OsLayerProbe, SANDBOX_MAX_PROCESSES, SANDBOX_UID_BASE, probeOsLayer } from '../batch/os-layer.js';
import type { Io } from '../io.js';
import type { QueueHealth } from '../queue/health.js';

export interface DoctorReport {
  node: string;
  permissionFlag: string | null;
  missingFixes: Array<{ id: string; summary: string; coveredBy: string; state: string }>;
  /** The OS layer: bubblewrap, and whether it built a sandbox here (the probe run uses). */
  bubblewrap: { available: boolean; version: string | null; problem: string | null; fix: string | null; identity: string | null };
  /** What bounds a sleeve's processes and memory, and what is not used and why. */
  limits: string[];
  /** isolated-vm for --mode isolate: the candidate chosen and its version, or why it cannot be used; every candidate (in the order tried) with why it is not used. */
  isolate: {
    available: boolean;
    package: string | null;
    version: string | null;
    problem: string | null;
    candidates: Array<{ name: string; version: string | null; loads: boolean; problem: string | null }>;
    summary: string;
  };
  layers: string[];
  ok: boolean;
}

export function doctorReport(
  version: string,
  flags: ReadonlySet<string>,
  os: () => OsLayerProbe,
  ivm: () => IsolatedVmStatus = () => ({ problem: 'not checked' }),
  cgroup: () => string = cgroupState,
): DoctorReport {
  const features = detectNodeFeatures(flags);
  const missingFixes = KNOWN_FIXES.map((f) => ({ id: f.id, summary: f.summary, coveredBy: f.coveredBy, state: fixState(f, version) })).filter(
    (f) => f.state !== 'fixed',
  );
  const bw = os();
  const iv = ivm();
  const isolateOk = iv.dir !== undefined && iv.problem === undefined;
  const layers = ['policy engine', 'fs guard', 'capability guard'];
  if (features.permissionFlag) layers.push(`node permission model (${features.permissionFlag})`);
  if (bw.available) layers.push('OS layer (bubblewrap)');
  layers.push('process isolation', 'auditor');
  return {
    node: version,
    permissionFlag: features.permissionFlag,
    missingFixes,
    bubblewrap: bw.available
      ? {
          available: true,
          version: bw.version,
          problem: null,
          fix: null,
          identity: bw.root
            ? `each sleeve runs as a uid of its own (from ${SANDBOX_UID_BASE}, one per run), no capabilities, no_new_privs; no user namespace is needed (the runner is root)`
            : 'each sleeve runs in a user namespace that maps the caller (not root), no capabilities, no further user namespaces',
        }
      : { available: false, version: null, problem: bw.reason, fix: bw.fix, identity: null },
    limits: bw.available
      ? [
          `processes: RLIMIT_NPROC ${SANDBOX_MAX_PROCESSES} inside the sandbox (${bw.root ? "counted for the sleeve's own uid" : "counted in the sleeve's user namespace"})`,
          'core dumps: off (RLIMIT_CORE 0)',
          'shared memory: a /dev/shm of its own, a 64 MiB tmpfs; the rest of /dev read-only',
          "memory: the V8 heap limit, and the runner's resident-memory cap over the sandbox's whole process tree",
          'lifetime: the sandbox dies with the runner (bubblewrap --die-with-parent: the kernel kills its pid namespace)',
          `cgroup v2 (pids.max, memory.max, cpu.max): not used; ${cgroup()}`,
        ]
      : [
          'processes: not limited by the kernel (no OS layer); the capability guard refuses child processes and workers in Node sleeves',
          "memory: the V8 heap limit, and the runner's resident-memory cap",
          "lifetime: a parent-death signal (setpriv --pdeathsig) where util-linux has it, and the sleeve's own parent watch",
        ],
    isolate: {
      available: isolateOk,
      package: isolateOk ? (iv.name ?? null) : null,
      version: iv.version ?? null,
      problem: iv.problem ?? null,
      candidates: (iv.candidates ?? []).map((c) => ({ name: c.name, version: c.version ?? null, loads: c.loads === true, problem: c.problem ?? null })),
      summary: describeIsolatedVm(iv),
    },
    layers,
    ok: features.permissionFlag !== null,
  };
}

/** What cgroup v2 offers here, in words (the OS layer does not delegate cgroups yet). */
export function cgroupState(): string {
  let controllers: string;
  try {
    controllers = fs.readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').trim();
  } catch {
    return 'this machine has no unified cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or none)';
  }
  const have = controllers.split(/\s+/).filter((c) => ['pids', 'memory', 'cpu'].includes(c));
  return `cgroup v2 here offers ${have.length > 0 ? have.join(', ') : 'none of pids, memory, cpu'}; sleeve-sandbox does not create or delegate cgroups yet, so resources.cpus stays a scheduling weight`;
}

export async function doctorCommand(opts: { json: boolean; queue?: string | undefined }, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const base = doctorReport(process.version, process.allowedNodeEnvironmentFlags, () => probeOsLayer(), isolatedVmStatus);
  // --queue: the queue's health too (runner/queue/health.ts); an unreachable Redis is not ok.
  let queue: QueueHealth | undefined;
  let queueLines: string[] = [];
  if (opts.queue !== undefined) {
    // Loaded only here: BullMQ is not part of a plain doctor's start-up.
    const { parseRedisUrl } = await import('../queue/connection.js');
    const { queueHealth, describeQueueHealth } = await import('../queue/health.js');
    queue = await queueHealth(parseRedisUrl(opts.queue, env));
    queueLines = describeQueueHealth(queue);
  }
  const r = queue ? { ...base, queue, ok: base.ok && queue.reachable } : base;
  if (opts.json) {
    io.stdout(`${JSON.stringify(r, null, 2)}\n`);
    return r.ok ? EXIT.ok : EXIT.usage;
  }
  const lines = [`node: ${r.node}`, `permission model: ${r.permissionFlag ?? 'not available (sleeve-sandbox run needs Node >= 20.19)'}`];
  if (r.missingFixes.length === 0) lines.push('known permission-model fixes: all present');
  else {
    lines.push(`known permission-model fixes this node lacks (${r.missingFixes.length}):`);
    for (const f of r.missingFixes) lines.push(`  ${f.id} (${f.state}): ${f.summary}; covered by: ${f.coveredBy}`);
  }
  lines.push(
    r.bubblewrap.available
      ? `OS layer: available (${r.bubblewrap.version}); ${r.bubblewrap.identity}`
      : `OS layer: not available: ${r.bubblewrap.problem}; to enable it: ${r.bubblewrap.fix}. With "auto" (the default) sleeves run without it and the report says so; "required" and command steps stop with exit 2`,
  );
  lines.push('limits inside a sleeve:', ...r.limits.map((l) => `  ${l}`));
  lines.push(`isolate mode (isolated-vm): ${r.isolate.summary}`);
  lines.push(`layers run will use: ${r.layers.join(', ')}${r.isolate.available ? '; with --mode isolate also: V8 isolate (no Node API)' : ''}`);
  lines.push(...queueLines);
  io.stdout(`${lines.join('\n')}\n`);
  return r.ok ? EXIT.ok : EXIT.usage;
}
