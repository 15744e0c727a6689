/**
 * How a sleeve ended, from what the OS said and what the runner did: one pure
 * rule, tested as a table. Never from the sleeve's own word: the exit report
 * on the channel only proves that the sandbox's exit path ran (a clean exit
 * without it means the channel or the exit handlers were tampered with).
 *
 * Through bubblewrap the runner is not the sleeve's parent: bubblewrap relays
 * a death by signal N as exit status 128+N. Such a status is read as that
 * signal only when the sandbox's exit report is missing (a Node sleeve that
 * calls process.exit(137) still sends it); a program that is not Node sends no
 * report, so for it 128+N is read as the signal, as a shell would.
 */
import { constants } from 'node:os';
import type { SleeveStatus } from './types.js';

/**
 * What V8 prints when it dies of an out-of-memory (Node's heap limit; isolated-vm's heap report
 * when an isolate's allocation fails outright). Taken as oom only with the abort that follows it:
 * a sleeve can print the line itself, but not die of SIGABRT by printing it.
 */
export const OOM_RE = /JavaScript heap out of memory|Reached heap limit|Allocation failed - process out of memory|is_heap_oom = 1/;

export interface ExitFacts {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the runner stopped it, if it did. */
  stopReason: 'interrupted' | 'timeout' | 'oom' | 'channel' | undefined;
  /** The report channel carried a malformed message or broke a rule (channel.ts): the sleeve failed. */
  channelFault?: boolean;
  /** The isolate host's word that it stopped its isolate at a limit (isolate sleeves only). */
  limitHit: 'timeout' | 'memory' | undefined;
  stderrTail: string;
  exitReported: boolean;
  spawnError: string | undefined;
  /** The status came through bubblewrap (exit 128+N for signal N). */
  relayed: boolean;
  /** The program is Node under the sandbox bootstrap (it sends an exit report). */
  reportsExit: boolean;
}

export interface ExitOutcome {
  status: SleeveStatus;
  exitCode: number | null;
  signal: string | null;
}

/** Signal number -> name; the first name wins where two share a number (SIGABRT before SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(n as number)) SIGNAL_NAMES.set(n as number, name);

/** The signal bubblewrap relayed as 128+N, when the status can be read that way. */
export function relayedSignal(f: Pick<ExitFacts, 'code' | 'relayed' | 'exitReported' | 'reportsExit'>): string | null {
  if (!f.relayed || f.code === null || f.code <= 128 || (f.reportsExit && f.exitReported)) return null;
  return SIGNAL_NAMES.get(f.code - 128) ?? null;
}

export function classifyExit(f: ExitFacts): ExitOutcome {
  const relayed = relayedSignal(f);
  const signal = f.signal ?? relayed;
  const exitCode = relayed !== null ? null : f.code;
  let status: SleeveStatus;
  if (f.stopReason === 'channel') status = 'failed';
  else if (f.stopReason) status = f.stopReason;
  else if (f.limitHit && f.code !== 0) status = f.limitHit === 'memory' ? 'oom' : 'timeout';
  else if (OOM_RE.test(f.stderrTail) && (signal === 'SIGABRT' || signal === 'SIGTRAP')) status = 'oom';
  else if (signal !== null || f.spawnError) status = 'crashed';
  else if (f.code !== 0) status = 'failed';
  // A clean exit without the sandbox's exit report means the channel was closed or the
  // exit handler removed: nothing the sleeve did can be vouched for.
  else if (f.reportsExit && !f.exitReported) status = 'failed';
  // A forged or torn report line: whatever the exit code says, the sleeve's reports cannot be trusted.
  else if (f.channelFault) status = 'failed';
  else status = 'ok';
  return { status, exitCode, signal };
}

/**
 * The last lines of a failed sleeve's stderr, for the summary and the reports
 * (so a reader sees why without opening the log): at most `count` non-empty
 * lines of at most `width` characters each. Untrusted text: the caller escapes it.
 */
export function tailLines(text: string, count = 20, width = 300): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-count).map((l) => (l.length > width ? `${l.slice(0, width)} [...]` : l));
}

/** Of those lines, the ones that say what happened: stack frames and Node's version banner left out. */
export function reasonLines(lines: readonly string[], count = 5): string[] {
  return lines.filter((l) => !/^\s+at /.test(l) && !/^Node\.js v\d/.test(l)).slice(-count);
}
