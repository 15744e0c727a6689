/**
 * The guard's side of the report channel: newline-terminated JSON written
 * synchronously to fd 3 with the fs functions captured before the guard was
 * installed. Everything is written ahead of the operation it reports (a
 * write is reported before it happens, once per distinct path), so a report
 * survives a crash, a signal or an out-of-memory death right after it.
 *
 * The runner refuses any line that is not a whole valid message within the
 * bounds of protocol.ts (channel-schema.ts), and ends the sleeve at the first
 * one: so this side never sends what the runner would refuse. A denial's text
 * fields are shortened to their bounds, and a line is written whole or not at
 * all (a full pipe is waited on, never torn).
 *
 * A message is serialised from a copy without prototypes: JSON.stringify asks
 * every object and array for `toJSON`, and one a sleeve planted on
 * Object.prototype would run its code inside the guard (after a decision,
 * before the call it allowed) and rewrite the report.
 */
import type { DenyMessage, SleeveMessage } from './protocol.js';
import { setAdd, setHas, uncurry } from './intrinsics.js';
import { DENY_FIELD_CHARS, MAX_MESSAGE_BYTES, MAX_PATH_CHARS, REPORT_FD } from './protocol.js';

export interface Reporter {
  send(message: SleeveMessage): void;
  deny(message: Omit<DenyMessage, 't' | 'at'>): void;
  wrote(realPath: string): void;
}

const stringify = JSON.stringify;
// Captured now: a sleeve may replace String.prototype methods later, and wrote() runs inside a decision.
const stringLastIndexOf = uncurry(String.prototype.lastIndexOf) as (s: string, c: string) => number;
const stringSlice = uncurry(String.prototype.slice) as (s: string, start: number, end: number) => string;
const stringStartsWith = uncurry(String.prototype.startsWith) as (s: string, prefix: string) => boolean;
const isArray = Array.isArray;
const objectKeys = Object.keys;
const createObject = Object.create;
const setPrototypeOf = Object.setPrototypeOf;
const defineProperty = Object.defineProperty;

/** The same data with no prototype anywhere (see above). */
function bare(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (isArray(value)) {
    const out: unknown[] = setPrototypeOf([], null);
    for (let i = 0; i < value.length; i++) defineProperty(out, i, { value: bare(value[i], depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  const out = createObject(null) as Record<string, unknown>;
  const keys = objectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out[k] = bare((value as Record<string, unknown>)[k], depth + 1);
  }
  return out;
}

const MARK = ' [...]';
/** At most `max` characters, marked when shortened (never splitting a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - MARK.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}${MARK}`;
}

/** A denial within the runner's bounds: each field at its limit, and the line within MAX_MESSAGE_BYTES. */
export function boundedDenial(m: DenyMessage): DenyMessage {
  const out: DenyMessage = {
    t: 'deny',
    op: m.op,
    syscall: clip(m.syscall, DENY_FIELD_CHARS.syscall),
    path: clip(m.path, MAX_PATH_CHARS),
    ...(m.resolved === undefined ? {} : { resolved: clip(m.resolved, MAX_PATH_CHARS) }),
    rule: clip(m.rule, DENY_FIELD_CHARS.rule),
    reason: clip(m.reason, DENY_FIELD_CHARS.reason),
    at: m.at,
  };
  // JSON escapes can make a field six times its length: shorten the long ones until the line fits.
  for (let limit = 1024; Buffer.byteLength(stringify(bare(out)) as string) >= MAX_MESSAGE_BYTES && limit >= 64; limit >>= 1) {
    out.path = clip(out.path, limit);
    if (out.resolved !== undefined) out.resolved = clip(out.resolved, limit);
    out.rule = clip(out.rule, limit);
    out.reason = clip(out.reason, limit);
  }
  return out;
}

/**
 * `onBroken` runs when a report cannot be written (the sleeve closed or
 * clogged the channel): the bootstrap ends the process then, because a
 * sandbox that cannot report its refusals must not go on running.
 */
export function createReporter(
  writeSync: (fd: number, data: Buffer, offset: number) => number,
  fd = REPORT_FD,
  onBroken: () => void = () => {},
  /** Where `writes` messages go (protocol.ts WRITES_FD): a file, so no reader wakes up per write. */
  writesFd = fd,
  /**
   * The sleeve's own run dir, as a real path: a write below a directory inside it that was already
   * reported is not reported again. The auditor explains a change by a reported write of the path or of
   * any directory above it within the run dir (runner/audit/account.ts coveredAt), so the record would
   * add nothing: `mkdir out` then 2,000 files in `out/` is one record, not 2,001.
   */
  runDir?: string,
): Reporter {
  let open = true;
  const reported = new Set<string>();
  const below = runDir === undefined ? undefined : `${runDir}/`;
  /** A reported directory above `p`, within the run dir (the run dir itself included). */
  const covered = (p: string): boolean => {
    if (below === undefined || !stringStartsWith(p, below)) return false;
    for (let end = stringLastIndexOf(p, '/'); end >= below.length - 1; end = stringLastIndexOf(stringSlice(p, 0, end), '/')) {
      if (setHas(reported, stringSlice(p, 0, end))) return true;
    }
    return false;
  };

  const writeLine = (line: string, to = fd) => {
    if (!open) return;
    const data = Buffer.from(`${line}\n`, 'utf8');
    let offset = 0;
    let spins = 0;
    while (offset < data.length) {
      try {
        offset += writeSync(to, data, offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A full pipe: the runner reads continuously, so wait for it (bounded), never tear a line.
        if (code === 'EAGAIN' && spins++ < 1_000_000) continue;
        open = false; // the runner is gone, or the sleeve closed the channel
        onBroken();
        return;
      }
    }
  };
  const send = (message: SleeveMessage) => writeLine(stringify(bare(message.t === 'deny' ? boundedDenial(message) : message)) as string);
  return {
    send,
    deny: (m) => send({ t: 'deny', ...m, at: Date.now() }),
    wrote(realPath) {
      if (setHas(reported, realPath) || covered(realPath)) return;
      if (reported.size < 1_000_000) setAdd(reported, realPath);
      writeLine(stringify(bare({ t: 'writes', paths: [realPath] })) as string, writesFd);
    },
  };
}
