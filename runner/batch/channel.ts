/**
 * The runner's side of the report channel (fd 3), read as hostile input: the
 * sleeve's own code can reach the same pipe through raw handles, so nothing on
 * it is taken on trust.
 *
 * Framing: a message is one line of UTF-8 JSON ending in "\n", at most
 * MAX_MESSAGE_BYTES long. A sleeve cannot glue a forged fragment onto a real
 * message, or split one, without producing a line that is not a whole valid
 * message, and the first such line is a fault: the reader stops accepting
 * anything (the stream can no longer be trusted to be in step) and the runner
 * ends the sleeve as failed with a `report-channel` denial. The same for a
 * message that parses but breaks a rule of the conversation (a second
 * `ready` or `exit`, anything after `exit`, a time outside the sleeve's life,
 * a layer the runner did not put there, a `limit` outside isolate mode), and
 * for a stream that ends inside a line.
 *
 * Caps (CHANNEL_CAPS) bound what is kept; past one, messages are counted as
 * dropped, never silently lost: the report names the count and the verdict
 * cannot be `clean`.
 */
import type { Readable } from 'node:stream';
import { sleeveMessageSchema } from '../../sandbox/channel-schema.js';
import { CHANNEL_CAPS, MAX_MESSAGE_BYTES, type SleeveMessage } from '../../sandbox/protocol.js';

export interface ChannelStats {
  /** Messages accepted (kept or counted). */
  accepted: number;
  /** Messages past a cap: counted, not kept. */
  dropped: { denials: number; writes: number };
  /** The first malformed message or broken rule; nothing after it was read. */
  fault: string | null;
}

export interface ChannelContext {
  /** When the runner spawned the sleeve (ms since the epoch). */
  startedMs: number;
  now: () => number;
  /** Layers the runner put inside the process (a `ready` may name only these). */
  layers: readonly string[];
  isolate: boolean;
}

/** How far a message's own time may lie outside the sleeve's life (the same clock; rounding only). */
const TIME_SLACK_MS = 2000;

export interface ConversationState {
  ready: number;
  exit: number;
  limit: number;
}

/**
 * The rules of the conversation, for a message that passed the schema: the
 * reason it is refused, or undefined. Pure: tested in-process as a table.
 */
export function breaksRule(m: SleeveMessage, state: ConversationState, ctx: ChannelContext): string | undefined {
  if (state.exit > 0) return `a "${m.t}" message after the exit report`;
  switch (m.t) {
    case 'ready':
      if (state.ready > 0) return 'a second "ready" message';
      for (const l of m.layers)
        if (!ctx.layers.includes(l)) return `"ready" names the layer ${JSON.stringify(l)}, which the runner did not put in this process`;
      return undefined;
    case 'exit':
      if (m.isolate && !ctx.isolate) return 'isolate statistics from a sleeve that is not in isolate mode';
      return undefined;
    case 'limit':
      if (!ctx.isolate) return 'a "limit" message from a sleeve that is not in isolate mode';
      if (state.limit > 0) return 'a second "limit" message';
      return undefined;
    case 'deny':
      if (m.at < ctx.startedMs - TIME_SLACK_MS || m.at > ctx.now() + TIME_SLACK_MS) {
        return `a denial dated ${m.at}, outside the sleeve's life (started ${ctx.startedMs})`;
      }
      return undefined;
    case 'writes':
      return undefined;
  }
}

export interface LineReader {
  push(chunk: Buffer): void;
  end(): void;
  stats: ChannelStats;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const NEWLINE = 0x0a;

/**
 * The framing and validation, without a stream: `push` bytes, `end` at EOF.
 * `onMessage` gets each valid message; `onFault` once, at the first fault.
 */
export function createLineReader(ctx: ChannelContext, onMessage: (m: SleeveMessage) => void, onFault: (reason: string) => void): LineReader {
  const stats: ChannelStats = { accepted: 0, dropped: { denials: 0, writes: 0 }, fault: null };
  const state: ConversationState = { ready: 0, exit: 0, limit: 0 };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lines = 0;
  const fault = (reason: string) => {
    if (stats.fault !== null) return;
    stats.fault = `message ${lines + 1}: ${reason}`;
    pending = [];
    pendingBytes = 0;
    onFault(stats.fault);
  };
  const handle = (line: Buffer) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(line));
    } catch {
      return fault(line.length === 0 ? 'an empty line' : 'not a line of UTF-8 JSON (a torn, glued or forged write)');
    }
    const result = sleeveMessageSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      return fault(`not a valid message (${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'})`);
    }
    const m = result.data;
    const broken = breaksRule(m, state, ctx);
    if (broken) return fault(broken);
    if (m.t === 'ready') state.ready++;
    else if (m.t === 'exit') state.exit++;
    else if (m.t === 'limit') state.limit++;
    lines++;
    stats.accepted++;
    onMessage(m);
  };
  return {
    stats,
    push(chunk) {
      let start = 0;
      while (stats.fault === null) {
        const nl = chunk.indexOf(NEWLINE, start);
        const end = nl === -1 ? chunk.length : nl;
        if (pendingBytes + (end - start) + (nl === -1 ? 0 : 1) > MAX_MESSAGE_BYTES) {
          return fault(`a line longer than ${MAX_MESSAGE_BYTES} bytes`);
        }
        if (nl === -1) {
          if (end > start) {
            pending.push(chunk.subarray(start));
            pendingBytes += end - start;
          }
          return;
        }
        const piece = chunk.subarray(start, nl);
        const line = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        handle(line);
        start = nl + 1;
      }
    },
    end() {
      if (pendingBytes > 0) fault('the channel ended inside a message (a partial line)');
    },
  };
}

/** Reads the sleeve's fd 3 to its end; see createLineReader. */
export function readChannel(stream: Readable, ctx: ChannelContext, onMessage: (m: SleeveMessage) => void, onFault: (reason: string) => void): ChannelStats {
  const reader = createLineReader(ctx, onMessage, onFault);
  stream.on('data', (chunk: Buffer) => reader.push(chunk));
  stream.once('end', () => reader.end());
  stream.on('error', () => {});
  return reader.stats;
}

/** The caps, applied by the one who keeps the messages (spawn.ts): a pure tally, tested in-process. */
export interface Kept {
  denyMessages: number;
  writeChars: number;
}

export function keepDenial(kept: Kept, distinct: number, isNew: boolean, stats: ChannelStats): boolean {
  kept.denyMessages++;
  if (kept.denyMessages > CHANNEL_CAPS.denyMessages || (isNew && distinct >= CHANNEL_CAPS.denials)) {
    stats.dropped.denials++;
    return false;
  }
  return true;
}

export function keepWrite(kept: Kept, distinct: number, p: string, stats: ChannelStats): boolean {
  if (distinct >= CHANNEL_CAPS.writes || kept.writeChars + p.length > CHANNEL_CAPS.writeChars) {
    stats.dropped.writes++;
    return false;
  }
  kept.writeChars += p.length;
  return true;
}
