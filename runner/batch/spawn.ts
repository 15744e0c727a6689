/**
 * Starts one sleeve process and watches it to the end: its own process group
 * (so a timeout or an interrupt reaches everything it started), logs to
 * files with a size cap, the report channel on fd 3, the timeout (SIGTERM,
 * then SIGKILL after a grace period), and an outcome taken from the OS.
 *
 * A sleeve under the bootstrap also gets the go pipe on fd 4: it is spawned
 * ahead of time (pre-warmed, pool.ts) and runs nothing of its own until
 * `go()` writes one byte there. Its start time, timeout and memory watch
 * begin at "go"; `discard()` closes the pipe unwritten and the process exits
 * having run nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { GO_FD, REPORT_FD, type SleeveMessage, WRITES_FD } from '../../sandbox/protocol.js';
import { type ChannelStats, type Kept, createLineReader, keepDenial, keepWrite, readChannel } from './channel.js';
import type { Launch } from './launch.js';
import { classifyExit, tailLines } from './outcome.js';
import { processName, processTree, treeResidentKiB } from './proc-tree.js';
import type { DenialRecord, PlannedSleeve, SleeveResult } from './types.js';

export interface SpawnOptions {
  sleeve: PlannedSleeve;
  /** What to spawn (launch.ts): the sleeve's node, or bubblewrap around it. */
  launch: Launch;
  /** The isolate's memory limit, when the sleeve runs in one. */
  isolateMiB?: number;
  /** The program is Node under the sandbox bootstrap (it sends ready, writes and exit over fd 3, and waits for "go" on fd 4). */
  reportsExit: boolean;
  workspace: string;
  logLimitBytes: number;
  graceMs: number;
  layers: string[];
  /** A directory of the runner's, out of the sleeve's reach: its write records file is made (and unlinked) there. */
  recordsDir: string;
  onStart?: () => void;
}

/** Bytes of write records read back at most (a sleeve's distinct writes are capped far below: CHANNEL_CAPS). */
const RECORDS_BYTE_LIMIT = 256 * 1024 * 1024;

/** A file only the runner can name: created, then unlinked while open; the sleeve gets the descriptor. */
function openRecords(dir: string, runId: string): number {
  const file = path.join(dir, `writes-${runId}-${process.pid}`);
  const fd = fs.openSync(file, 'wx+', 0o600);
  fs.unlinkSync(file);
  return fd;
}

/** Feeds the records file, from its start, to `push`; false when it passed the byte limit. */
function readRecords(fd: number, push: (chunk: Buffer) => void): boolean {
  const buf = Buffer.alloc(1024 * 1024);
  let pos = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return true;
    push(Buffer.from(buf.subarray(0, n)));
    pos += n;
    if (pos > RECORDS_BYTE_LIMIT) return false;
  }
}

export interface RunningSleeve {
  result: Promise<SleeveResult>;
  /** Lets the sleeve run (one byte on its go pipe); its clock starts now. Once; a process without the pipe started at spawn. */
  go(): void;
  /** The process was not needed: its go pipe closes unwritten and it exits having run nothing. */
  discard(): void;
  /** Ends the sleeve: SIGTERM to its group, SIGKILL after the grace period. */
  stop(status: 'interrupted' | 'timeout'): void;
  pid(): number | undefined;
}

function pipeToLog(stream: Readable, file: string, limit: number, onTail: (s: string) => void): { done: Promise<boolean> } {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'w');
  } catch {
    fd = undefined; // no room for the log: keep draining the pipe, the sleeve must not block
  }
  let written = 0;
  let truncated = false;
  const write = (data: Buffer | string) => {
    if (fd === undefined) return;
    try {
      if (typeof data === 'string') fs.writeSync(fd, data);
      else fs.writeSync(fd, data);
    } catch {
      // A full disk (or a log that cannot grow) must not bring the runner down: stop logging.
      truncated = true;
      try {
        fs.closeSync(fd);
      } catch {
        // already gone
      }
      fd = undefined;
    }
  };
  stream.on('data', (chunk: Buffer) => {
    onTail(chunk.toString('utf8', Math.max(0, chunk.length - 4096)));
    if (truncated) return;
    const room = limit - written;
    if (chunk.length <= room) {
      write(chunk);
      written += chunk.length;
    } else {
      if (room > 0) write(chunk.subarray(0, room));
      write(`\n[sleeve-sandbox: output truncated after ${limit} bytes]\n`);
      written = limit;
      truncated = true;
    }
  });
  const done = new Promise<boolean>((resolve) => {
    const finish = () => {
      if (fd !== undefined) {
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
        fd = undefined;
      }
      resolve(truncated);
    };
    stream.once('close', finish);
    stream.once('error', finish);
  });
  return { done };
}

export function startSleeve(opts: SpawnOptions): RunningSleeve {
  const { sleeve } = opts;
  const logsDir = path.join(sleeve.runDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  const stdoutLog = path.join(logsDir, 'stdout.log');
  const stderrLog = path.join(logsDir, 'stderr.log');
  const denials = new Map<string, DenialRecord>();
  const writes = new Set<string>();
  let usage: SleeveResult['usage'];
  let isolateStats: SleeveResult['isolate'];
  let limitHit: { limit: 'timeout' | 'memory'; detail: string } | undefined;
  let exitReported = false;
  let layersReady: string[] | undefined;
  let stderrTail = '';
  let stopReason: 'interrupted' | 'timeout' | 'oom' | 'channel' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const spawnedAt = Date.now();
  /** When the sleeve was let run: "go" for a process with the go pipe, its spawn otherwise. */
  let started = spawnedAt;
  let wentAt: number | undefined;
  let readyAt: number | undefined;

  const { launch } = opts;
  const recordsFd = opts.reportsExit ? openRecords(opts.recordsDir, sleeve.runId) : undefined;
  let child: ChildProcess;
  try {
    child = spawn(launch.file, launch.args, {
      cwd: opts.workspace,
      env: launch.env,
      // A program that is not Node under the bootstrap has nothing to report: it gets no fd 3 at all.
      stdio:
        recordsFd !== undefined
          ? [launch.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', 'pipe', recordsFd]
          : [launch.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (error) {
    if (recordsFd !== undefined) fs.closeSync(recordsFd);
    throw error;
  }
  if (launch.stdin && child.stdin) {
    child.stdin.on('error', () => {}); // bubblewrap gone before it read its options: its exit status says why
    child.stdin.end(launch.stdin);
  }
  const goPipe = opts.reportsExit ? (child.stdio[GO_FD] as Writable | null) : null;
  goPipe?.on('error', () => {}); // the process died before "go": its exit status says why

  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone
    }
  };
  /**
   * SIGTERM first, so a sleeve may finish cleanly. Through bubblewrap the sleeve is not in the group the
   * runner made (it has a session and a pid namespace of its own), and bubblewrap itself does not relay
   * signals: the SIGTERM goes to each process of the sandbox, bubblewrap's own excepted. SIGKILL then goes
   * to bubblewrap's group, and the kernel ends the whole pid namespace with it (--die-with-parent).
   */
  const terminate = () => {
    if (!launch.relayedExit || child.pid === undefined) return killGroup('SIGTERM');
    for (const pid of processTree(child.pid)) {
      if (pid === child.pid || processName(pid) === 'bwrap') continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  };
  const stop = (reason: 'interrupted' | 'timeout' | 'oom' | 'channel') => {
    if (stopReason || child.exitCode !== null || child.signalCode !== null) return;
    stopReason = reason;
    // A sleeve that forged its channel gets no grace: SIGKILL ends it (and, through bubblewrap, its namespace).
    if (reason === 'channel') return killGroup('SIGKILL');
    terminate();
    killTimer = setTimeout(() => killGroup('SIGKILL'), opts.graceMs);
  };
  // In isolate mode the host stops the isolate itself at the timeout (and reports its CPU time then);
  // the process-level timer is the backstop, a second later.
  const backstopMs = sleeve.mode === 'isolate' ? 1000 : 0;
  // The heap limit does not cover memory outside the V8 heap (Buffers, native code):
  // cap the whole process's resident set too, at twice the heap limit (at least +256 MiB).
  let rssKilled: string | undefined;
  // In isolate mode the isolate may pass its memoryLimit two to three times over before V8 stops it
  // (isolated-vm documents this), so its process gets three times the isolate's limit.
  const isolateMiB = opts.isolateMiB;
  const rssCapKiB =
    isolateMiB !== undefined
      ? Math.max(isolateMiB * 3, isolateMiB + 256) * 1024
      : sleeve.memoryMiB === undefined
        ? undefined
        : Math.max(sleeve.memoryMiB * 2, sleeve.memoryMiB + 256) * 1024;
  let rssTimer: NodeJS.Timeout | undefined;
  const watchMemory = () =>
    rssCapKiB === undefined || process.platform !== 'linux'
      ? undefined
      : setInterval(() => {
          if (child.pid === undefined) return;
          // Through bubblewrap the sleeve is a grandchild: count the whole tree.
          const kib = treeResidentKiB(child.pid, launch.relayedExit);
          if (kib > rssCapKiB && !rssKilled) {
            rssKilled = `resident memory ${Math.round(kib / 1024)} MiB passed the cap of ${Math.round(rssCapKiB / 1024)} MiB`;
            stop('oom');
          }
        }, 200);

  const outLog = pipeToLog(child.stdout as Readable, stdoutLog, opts.logLimitBytes, () => {});
  const errLog = pipeToLog(child.stderr as Readable, stderrLog, opts.logLimitBytes, (tail) => {
    stderrTail = (stderrTail + tail).slice(-8192);
  });
  const kept: Kept = { denyMessages: 0, writeChars: 0 };
  const onMessage = (m: SleeveMessage) => {
    if (m.t === 'deny') {
      const key = `${m.op}\0${m.path}\0${m.rule}`;
      const prev = denials.get(key);
      if (!keepDenial(kept, denials.size, prev === undefined, channel)) return;
      if (prev) prev.count++;
      else {
        const rec: DenialRecord = { op: m.op, syscall: m.syscall, path: m.path, rule: m.rule, reason: m.reason, at: m.at, count: 1 };
        if (m.resolved !== undefined) rec.resolved = m.resolved;
        denials.set(key, rec);
      }
    } else if (m.t === 'writes') {
      for (const p of m.paths) if (!writes.has(p) && keepWrite(kept, writes.size, p, channel)) writes.add(p);
    } else if (m.t === 'exit') {
      exitReported = true;
      usage = { maxRssKiB: m.maxRssKiB, cpuUserMs: m.cpuUserMs, cpuSystemMs: m.cpuSystemMs };
      if (m.isolate) isolateStats = m.isolate;
    } else if (m.t === 'limit') {
      limitHit = { limit: m.limit, detail: m.detail };
    } else if (m.t === 'ready') {
      layersReady = m.layers;
      readyAt = Date.now();
    }
  };
  // The first malformed message ends the sleeve: what it says after that cannot be read in step.
  const onFault = (reason: string) => {
    denials.set('\0report-channel', {
      op: 'report',
      syscall: 'write',
      path: `<fd ${REPORT_FD}>`,
      rule: 'report-channel',
      reason: `the report channel carried ${reason}; the sleeve was stopped (its reports can no longer be trusted)`,
      at: Date.now(),
      count: 1,
    });
    stop('channel');
  };
  /** What both of the sleeve's report streams are checked against (fd 3, and the write records on fd 5). */
  const channelContext = { startedMs: spawnedAt, now: Date.now, layers: opts.layers, isolate: sleeve.mode === 'isolate' };
  const channel: ChannelStats = opts.reportsExit
    ? readChannel(child.stdio[3] as Readable, channelContext, onMessage, onFault)
    : { accepted: 0, dropped: { denials: 0, writes: 0 }, fault: null };

  let closed = false;
  let gone = false;
  const go = () => {
    if (gone) return;
    gone = true;
    started = Date.now();
    wentAt = started;
    if (goPipe) {
      goPipe.end(Buffer.of(1));
    }
    if (closed) return;
    opts.onStart?.();
    if (sleeve.timeoutMs !== undefined) timeoutTimer = setTimeout(() => stop('timeout'), sleeve.timeoutMs + backstopMs);
    rssTimer = watchMemory();
  };
  const discard = () => {
    if (gone) return;
    gone = true;
    goPipe?.destroy();
  };
  // Without the go pipe the process runs from its spawn.
  if (!goPipe) go();

  const result = new Promise<SleeveResult>((resolve) => {
    let spawnError: string | undefined;
    child.once('error', (error) => {
      spawnError = error.message;
    });
    child.once('close', async (code, signal) => {
      closed = true;
      if (recordsFd !== undefined) {
        // The write records, read as fd 3 is (hostile input), after fd 3: only `writes` belong there.
        if (channel.fault === null) {
          const recordsFault = (reason: string) => {
            if (channel.fault !== null) return;
            channel.fault = `write records (fd ${WRITES_FD}): ${reason}`;
            onFault(channel.fault);
          };
          const reader = createLineReader(
            channelContext,
            (m) => {
              if (m.t !== 'writes') recordsFault(`a "${m.t}" message, where only writes belong`);
              else if (channel.fault === null) onMessage(m);
            },
            recordsFault,
          );
          if (!readRecords(recordsFd, (chunk) => reader.push(chunk))) recordsFault(`more than ${RECORDS_BYTE_LIMIT} bytes`);
          else reader.end();
          channel.accepted += reader.stats.accepted;
        }
        fs.closeSync(recordsFd);
      }
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      clearInterval(rssTimer);
      const truncated = (await outLog.done) || (await errLog.done);
      const {
        status,
        exitCode,
        signal: endSignal,
      } = classifyExit({
        code,
        signal,
        stopReason,
        channelFault: channel.fault !== null,
        limitHit: limitHit?.limit,
        stderrTail,
        exitReported,
        spawnError,
        relayed: launch.relayedExit,
        reportsExit: opts.reportsExit,
      });
      const res: SleeveResult = {
        kind: sleeve.kind,
        name: sleeve.name,
        runId: sleeve.runId,
        runDir: sleeve.runDir,
        policy: sleeve.policy.name,
        mode: sleeve.mode,
        ...(sleeve.command ? { command: [sleeve.command.program, ...sleeve.command.args] } : {}),
        status,
        exitCode,
        signal: endSignal,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        ...(wentAt === undefined || !goPipe
          ? {}
          : { start: { warmMs: wentAt - spawnedAt, latencyMs: readyAt === undefined || readyAt < wentAt ? null : readyAt - wentAt } }),
        // Layers the process itself installs count only when it said so; the ones outside it (os, node-permission) always do.
        layers: layersReady || !opts.reportsExit ? opts.layers : opts.layers.filter((l) => l === 'node-permission' || l === 'os'),
        denials: [...denials.values()],
        writes: [...writes],
        logs: { stdout: stdoutLog, stderr: stderrLog, truncated },
        channel: { accepted: channel.accepted, dropped: { ...channel.dropped }, fault: channel.fault },
      };
      if (status !== 'ok') {
        const tail = tailLines(stderrTail);
        if (tail.length > 0) res.stderrTail = tail;
      }
      if (usage) res.usage = usage;
      if (isolateStats) res.isolate = isolateStats;
      const bwrapSaid = launch.relayedExit && !layersReady && opts.reportsExit ? /^bwrap: (.*)$/m.exec(stderrTail)?.[1] : undefined;
      if (spawnError) res.error = spawnError;
      else if (channel.fault !== null) res.error = `report channel: ${channel.fault}`;
      else if (bwrapSaid && status === 'failed') res.error = `bubblewrap could not build the sandbox: ${bwrapSaid}`;
      else if (status === 'failed' && code === 0 && opts.reportsExit)
        res.error = 'the sleeve ended without the sandbox exit report: its report channel was closed or its exit handlers removed';
      else if (rssKilled) res.error = rssKilled;
      else if (limitHit && code !== 0) res.error = limitHit.detail;
      else if (stopReason === 'timeout') res.error = `ran past its timeout of ${sleeve.timeoutMs} ms: stopped with SIGTERM (SIGKILL after ${opts.graceMs} ms)`;
      resolve(res);
    });
  });
  return { result, stop, go, discard, pid: () => child.pid };
}
