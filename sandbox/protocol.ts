/**
 * What a sleeve process tells the runner, as newline-delimited JSON on fd 3
 * (a pipe the runner opened; the guard refuses writes to it from sleeve
 * code). The runner treats every line as untrusted input: it validates each
 * message, bounds line length and count, and never takes a sleeve's word for
 * its own status (exit code, signal and timing come from the OS).
 */

export const REPORT_FD = 3;
/** Longest line the runner accepts; longer lines are dropped and counted. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Most messages the runner keeps per sleeve; the rest are counted, not stored. */
export const MAX_MESSAGES = 20_000;

export interface ReadyMessage {
  t: 'ready';
  /** Layers the guard installed in this process. */
  layers: string[];
}

export interface DenyMessage {
  t: 'deny';
  op: string;
  syscall: string;
  path: string;
  resolved?: string;
  rule: string;
  reason: string;
  /** ms since the epoch. */
  at: number;
}

export interface WritesMessage {
  t: 'writes';
  /** Real paths the guard allowed a write to, since the last message. */
  paths: string[];
}

export interface ExitMessage {
  t: 'exit';
  /** How the sleeve's own code ended: "returned", or "threw" with a message. */
  outcome: 'returned' | 'threw';
  error?: string;
  maxRssKiB: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Isolate mode: the isolate's own CPU and wall time and its heap at the end. */
  isolate?: IsolateStats;
}

/** What the isolate host measured of its isolate (isolated-vm's cpuTime, wallTime, getHeapStatistics). */
export interface IsolateStats {
  cpuMs: number;
  wallMs: number;
  /** null when the isolate was disposed before it could be measured (it ran out of memory). */
  heap: {
    usedBytes: number;
    totalBytes: number;
    limitBytes: number;
    externalBytes: number;
    mallocedPeakBytes: number;
  } | null;
}

/** Isolate mode: the host stopped the isolate at one of its limits (sent before the process exits). */
export interface LimitMessage {
  t: 'limit';
  limit: 'timeout' | 'memory';
  detail: string;
}

export type SleeveMessage = ReadyMessage | DenyMessage | WritesMessage | ExitMessage | LimitMessage;

/** How a sleeve's code is run: its own Node process, or a V8 isolate inside one. */
export type SandboxMode = 'process' | 'isolate';

/** Isolate mode: the sleeve's modules, compiled one file each by the runner. */
export interface IsolateModules {
  /** Absolute path of the entry module (the source file). */
  entry: string;
  /** By absolute source path: the compiled ES module file and what each import specifier resolves to. */
  files: Record<string, { code: string; imports: Record<string, string> }>;
}

/** Isolate mode: what the host needs besides the common configuration. */
export interface IsolateConfig {
  /** Absolute path of the isolated-vm package directory (loaded before the guard). */
  isolatedVm: string;
  modules: IsolateModules;
  /** The isolate's memoryLimit in MiB. */
  memoryMiB: number;
  /** Wall-clock budget of the isolate in ms (module evaluation and the default export together). */
  timeoutMs: number | undefined;
}

/** Passed to the bootstrap in SLEEVE_SANDBOX_CONFIG (removed before sleeve code runs). */
export interface SandboxConfig {
  /** The effective policy, as loaded by the runner (plain JSON). */
  policy: import('../policies/types.js').ResolvedPolicy;
  workspace: string;
  runId: string;
  runDir: string;
  name: string;
  /** The compiled entry (an ES module file). */
  entry: string;
  args: string[];
  /** Node built-ins the entry imports (from the bundle's metafile): patched eagerly. */
  builtins: string[];
  /** Files and directories of code the module loader must read (the bundle, the sandbox). */
  codePaths: string[];
  /** Which layers the runner put under this sleeve (for the report). */
  layers: string[];
  mode: SandboxMode;
  /** Present when mode is "isolate". */
  isolate?: IsolateConfig;
}
