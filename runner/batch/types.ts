import type { OsLayerSetting } from '../../policies/schema.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import type { SleeveKind, SleeveOsReport } from '../audit/schema.js';
import type { ResolvedCommand } from './command.js';

export type { SleeveKind };
export type SleeveMode = 'process' | 'isolate' | 'command';

/** The OS layer of one sleeve: its setting, who asked for it, and whether it is used (and if not, why). */
export type SleeveOsLayer = { setting: OsLayerSetting; from: string } & ({ use: true } | { use: false; why: string });

/** One sleeve of a batch, fully validated before anything runs. */
export interface PlannedSleeve {
  kind: SleeveKind;
  name: string;
  /** Absolute path of the entry as given (a command step: its program). */
  entry: string;
  /** A command step: the program, its arguments and its code directory. */
  command?: ResolvedCommand;
  args: string[];
  env: Record<string, string>;
  runId: string;
  /** Absolute run directory (`<workspace>/<runsDir>/<runId>`). */
  runDir: string;
  /** The policy as it runs (a combine step's with `{batchRunDirs}` bound to its batch). */
  policy: ResolvedPolicy;
  /** The combine step: the batch's sleeves it reads (SLEEVE_BATCH_RUNS in its environment). */
  batchRuns?: ReadonlyArray<{ name: string; runId: string; runDir: string }>;
  timeoutMs: number | undefined;
  memoryMiB: number | undefined;
  /** What it asks of the batch's pool to start (scheduler.ts): its policy's resources.cpus and resources.memoryMiB, or 1 and 3072. */
  ask: import('./scheduler.js').Resources;
  /** Process or isolate (isolate when the CLI, the manifest or the policy asks for it), or a command step. */
  mode: SleeveMode;
  /** Who asked for isolate mode, for messages (`--mode isolate`, `policy strict`, ...). */
  modeFrom: string | undefined;
  os: SleeveOsLayer;
  /** Where it was declared, for messages. */
  where: string;
}

export type SleeveStatus = 'queued' | 'running' | 'ok' | 'failed' | 'crashed' | 'timeout' | 'oom' | 'interrupted' | 'cancelled' | 'skipped';

export interface DenialRecord {
  op: string;
  syscall: string;
  path: string;
  resolved?: string;
  rule: string;
  reason: string;
  /** ms since the epoch of the first occurrence. */
  at: number;
  /** How many times the same (op, path, rule) was refused. */
  count: number;
}

export interface SleeveResult {
  kind: SleeveKind;
  name: string;
  runId: string;
  runDir: string;
  policy: string;
  mode: SleeveMode;
  /** Whether the sleeve ran inside the OS layer, and what that layer could not hold. */
  os?: SleeveOsReport;
  /** A command step: the program and its arguments. */
  command?: string[];
  /** How the process ended (from the OS, never from the sleeve's own word). */
  status: SleeveStatus;
  exitCode: number | null;
  signal: string | null;
  startedAt: string | null;
  durationMs: number;
  /**
   * A sleeve under the bootstrap: how long its process waited set up before "go" (0: started at once) and how
   * long from "go" until the sandbox said ready and sleeve code began (null when it never did).
   */
  start?: { warmMs: number; latencyMs: number | null };
  layers: string[];
  denials: DenialRecord[];
  /** Distinct real paths the guard allowed writes to. */
  writes: string[];
  logs: { stdout: string; stderr: string; truncated: boolean };
  /** As reported by the sleeve process at exit (informational). */
  usage?: { maxRssKiB: number; cpuUserMs: number; cpuSystemMs: number };
  /** Isolate mode: the isolate's CPU and wall time and heap, as its host measured them. */
  isolate?: import('../../sandbox/protocol.js').IsolateStats;
  /** A sleeve that did not end ok: the last lines of its stderr (outcome.ts tailLines). */
  stderrTail?: string[];
  /** The report channel: messages accepted, dropped past a cap, and the fault that ended it (channel.ts). */
  channel: import('./channel.js').ChannelStats;
  /** What the scheduler granted and how long the sleeve waited in its queue (absent for a step that never started). */
  schedule?: { cpus: number; memoryMiB: number; queueWaitMs: number };
  error?: string;
}
