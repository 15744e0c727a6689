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
}

export type SleeveMessage = ReadyMessage | DenyMessage | WritesMessage | ExitMessage;

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
}
