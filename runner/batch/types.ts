import type { ResolvedPolicy } from '../../policies/types.js';

export type SleeveKind = 'prepare' | 'sleeve';

/** One sleeve of a batch, fully validated before anything runs. */
export interface PlannedSleeve {
  kind: SleeveKind;
  name: string;
  /** Absolute path of the entry as given. */
  entry: string;
  args: string[];
  env: Record<string, string>;
  runId: string;
  /** Absolute run directory (`<workspace>/runs/<runId>`). */
  runDir: string;
  policy: ResolvedPolicy;
  timeoutMs: number | undefined;
  memoryMiB: number | undefined;
  /** Process or isolate: isolate when the CLI, the manifest or the policy asks for it. */
  mode: 'process' | 'isolate';
  /** Who asked for isolate mode, for messages (`--mode isolate`, `policy strict`, ...). */
  modeFrom: string | undefined;
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
  mode: 'process' | 'isolate';
  /** How the process ended (from the OS, never from the sleeve's own word). */
  status: SleeveStatus;
  exitCode: number | null;
  signal: string | null;
  startedAt: string | null;
  durationMs: number;
  layers: string[];
  denials: DenialRecord[];
  /** Distinct real paths the guard allowed writes to. */
  writes: string[];
  logs: { stdout: string; stderr: string; truncated: boolean };
  /** As reported by the sleeve process at exit (informational). */
  usage?: { maxRssKiB: number; cpuUserMs: number; cpuSystemMs: number };
  /** Isolate mode: the isolate's CPU and wall time and heap, as its host measured them. */
  isolate?: import('../../sandbox/protocol.js').IsolateStats;
  /** Report-channel lines dropped as malformed, oversized or excessive. */
  channelRejected: number;
  error?: string;
}
