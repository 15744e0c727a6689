/**
 * What a sleeve process tells the runner: newline-terminated JSON messages on
 * fd 3 (a pipe the runner opened; the guard refuses writes to it from sleeve
 * code, but raw handles can still reach it). The schema of every message is
 * channel-schema.ts (zod); the types here are inferred from it and imported as
 * types only, so the sleeve-side bundle stays free of zod.
 *
 * The runner treats the channel as hostile input (runner/batch/channel.ts):
 * every line must be a whole, valid message within the bounds below; the first
 * one that is not ends the sleeve as failed with a `report-channel` denial. It
 * never takes a sleeve's word for its own status (exit code, signal and timing
 * come from the OS).
 */
import type { z } from 'zod';
import type {
  denyMessageSchema,
  exitMessageSchema,
  isolateStatsSchema,
  limitMessageSchema,
  readyMessageSchema,
  sleeveMessageSchema,
  writesMessageSchema,
} from './channel-schema.js';

export const REPORT_FD = 3;
/**
 * The "go" pipe of a pre-warmed sleeve (runner/batch/pool.ts): the bootstrap
 * sets everything up, then blocks reading one byte here, closes it, and only
 * then runs sleeve code. The byte carries no data; end of file means the
 * process was not needed and exits having run nothing.
 */
export const GO_FD = 4;
/**
 * The write records of a sleeve under the runner: an unlinked file the runner
 * opened (no path reaches it), where the reporter writes its `writes`
 * messages ahead of each allowed write, with no wake-up of the runner per
 * write. The runner reads it after the process ended, as it reads fd 3
 * (channel.ts), and the guard refuses to close it as it does fd 3.
 */
export const WRITES_FD = 5;
/**
 * Longest line the runner accepts, newline included. The reporter keeps its
 * lines within it (it shortens a denial's path, never tears a line); a longer
 * line is malformed.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** Longest path a message may carry (Linux's PATH_MAX is 4096 bytes). */
export const MAX_PATH_CHARS = 4096;
/** Longest text of each other field of a denial: the reporter shortens to these, the runner refuses past them. */
export const DENY_FIELD_CHARS = Object.freeze({ syscall: 256, rule: 1024, reason: 2048 });

/**
 * What the runner keeps of one sleeve's channel. Past a cap the messages are
 * counted, not stored, and the report says how many were dropped; the verdict
 * can then no longer be `clean`.
 */
export const CHANNEL_CAPS = Object.freeze({
  /** Distinct (op, path, rule) denials itemised; further repeats are counted on their record. */
  denials: 1000,
  /** Denial messages in all. */
  denyMessages: 100_000,
  /** Distinct written paths kept for the auditor. */
  writes: 1_000_000,
  /** Characters of written paths kept in all (64 MiB of UTF-16 at most). */
  writeChars: 32 * 1024 * 1024,
});

export type ReadyMessage = z.infer<typeof readyMessageSchema>;
export type DenyMessage = z.infer<typeof denyMessageSchema>;
export type WritesMessage = z.infer<typeof writesMessageSchema>;
export type ExitMessage = z.infer<typeof exitMessageSchema>;
export type IsolateStats = z.infer<typeof isolateStatsSchema>;
export type LimitMessage = z.infer<typeof limitMessageSchema>;
export type SleeveMessage = z.infer<typeof sleeveMessageSchema>;

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
  /** Environment set while isolated-vm loads, then removed: what makes it load the binary the runner's probe loaded (LIBC for node-gyp-build). */
  loadEnv?: Record<string, string>;
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
  /** Workspace-relative run root: `{runDir}` is `<runsDir>/<runId>`. */
  runsDir: string;
  runDir: string;
  name: string;
  /** The compiled entry (an ES module file). */
  entry: string;
  args: string[];
  /** Node built-ins the entry imports (from the bundle's metafile): patched eagerly. */
  builtins: string[];
  /** Files and directories of code the module loader must read (the bundle, the sandbox). */
  codePaths: string[];
  /**
   * Real directories of installed packages (node_modules on the entry's path):
   * Node loads package code from them at run time. Read as code when the path
   * resolves inside one of them and no policy deny names it; never written.
   */
  packageDirs: string[];
  /** Which layers the runner put under this sleeve (for the report). */
  layers: string[];
  mode: SandboxMode;
  /** Present when mode is "isolate". */
  isolate?: IsolateConfig;
  /** Wait for one byte on GO_FD before any sleeve code runs (the runner always sets it; a bare bootstrap in tests may not). */
  awaitGo?: boolean;
  /** Write `writes` messages to WRITES_FD rather than the report channel (the runner always sets it). */
  writeRecords?: boolean;
}
