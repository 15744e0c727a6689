/**
 * The runner's side of the report channel: splits fd 3 into lines with a
 * bound on line length, validates each message with zod, and keeps at most
 * MAX_MESSAGES. Everything on it is untrusted: the sleeve's own code can
 * write to the same pipe.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { MAX_MESSAGE_BYTES, type SleeveMessage } from '../../sandbox/protocol.js';

const str = (max: number) => z.string().max(max);
const messageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('ready'), layers: z.array(str(64)).max(16) }),
  z.strictObject({
    t: z.literal('deny'),
    op: str(64),
    syscall: str(128),
    path: str(4096),
    resolved: str(4096).optional(),
    rule: str(4096),
    reason: str(4096),
    at: z.number().finite(),
  }),
  z.strictObject({ t: z.literal('writes'), paths: z.array(str(4096)).max(4096) }),
  z.strictObject({
    t: z.literal('exit'),
    outcome: z.enum(['returned', 'threw']),
    error: str(4096).optional(),
    maxRssKiB: z.number().finite().nonnegative(),
    cpuUserMs: z.number().finite().nonnegative(),
    cpuSystemMs: z.number().finite().nonnegative(),
    isolate: z
      .strictObject({
        cpuMs: z.number().finite().nonnegative(),
        wallMs: z.number().finite().nonnegative(),
        heap: z
          .strictObject({
            usedBytes: z.number().finite().nonnegative(),
            totalBytes: z.number().finite().nonnegative(),
            limitBytes: z.number().finite().nonnegative(),
            externalBytes: z.number().finite().nonnegative(),
            mallocedPeakBytes: z.number().finite().nonnegative(),
          })
          .nullable(),
      })
      .optional(),
  }),
  z.strictObject({ t: z.literal('limit'), limit: z.enum(['timeout', 'memory']), detail: str(1024) }),
]);

export interface ChannelStats {
  accepted: number;
  /** Lines dropped: too long, not JSON, not a known message, or past the limit of their kind. */
  rejected: number;
}

/**
 * Limits per kind of message, so a flood of one kind (forged by the sleeve's own
 * code) can never push out another: a real denial always gets through.
 */
const LIMITS: Record<SleeveMessage['t'], number> = { ready: 4, exit: 4, limit: 4, deny: 100_000, writes: 1_000_000 };

export function readChannel(stream: Readable, onMessage: (m: SleeveMessage) => void): ChannelStats {
  const stats: ChannelStats = { accepted: 0, rejected: 0 };
  const counts = new Map<string, number>();
  let buffer = '';
  let discarding = false;
  const handle = (line: string) => {
    if (line.length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      stats.rejected++;
      return;
    }
    const result = messageSchema.safeParse(parsed);
    if (!result.success) {
      stats.rejected++;
      return;
    }
    const kind = result.data.t;
    const seen = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, seen);
    if (seen > LIMITS[kind]) {
      stats.rejected++;
      return;
    }
    stats.accepted++;
    onMessage(result.data as SleeveMessage);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl === -1) break;
      const piece = chunk.slice(start, nl);
      if (discarding) discarding = false;
      else handle(buffer + piece);
      buffer = '';
      start = nl + 1;
    }
    if (!discarding) {
      buffer += chunk.slice(start);
      if (buffer.length > MAX_MESSAGE_BYTES) {
        stats.rejected++;
        buffer = '';
        discarding = true;
      }
    }
  });
  stream.on('error', () => {});
  return stats;
}
