/**
 * The report channel's contract: the one zod schema of every message a sleeve
 * process sends the runner on fd 3. The types in protocol.ts are `z.infer` of
 * it, imported as types only, so the sleeve-side bundle never loads zod; the
 * runner (runner/batch/channel.ts) validates every line against it.
 *
 * The bounds are the values the runner will use, not what JSON can carry: a
 * sleeve's own code can reach the pipe through raw handles, so a message that
 * parses here is still only a claim; one that does not is a forgery or a torn
 * write, and ends the sleeve (see channel.ts).
 */
import { z } from 'zod';
import { DENY_FIELD_CHARS, MAX_PATH_CHARS } from './protocol.js';

const text = (max: number) => z.string().max(max);
/** A path as the guard reports it: absolute, no NUL, at most PATH_MAX-ish. */
const absolutePath = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS)
  .refine((p) => p.startsWith('/') && !p.includes('\u0000'), 'an absolute path without NUL');
/** ms since the epoch: after 2020, before 2100 (the runner checks it against the sleeve's own lifetime too). */
const epochMs = z.number().int().min(1_577_836_800_000).max(4_102_444_800_000);
/** A count or a measure the runner adds up: a non-negative integer far below 2^53. */
const measure = (max: number) => z.number().int().nonnegative().max(max);
const MS = 1e10; // ~115 days of CPU
const BYTES = 2 ** 44; // 16 TiB

export const readyMessageSchema = z.strictObject({
  t: z.literal('ready'),
  /** Layers the guard installed in this process. */
  layers: z.array(text(32)).max(8),
});

export const denyMessageSchema = z.strictObject({
  t: z.literal('deny'),
  op: z.string().regex(/^[a-z][a-z0-9_.-]{0,31}$/),
  syscall: text(DENY_FIELD_CHARS.syscall),
  path: text(MAX_PATH_CHARS),
  resolved: text(MAX_PATH_CHARS).optional(),
  rule: text(DENY_FIELD_CHARS.rule),
  reason: text(DENY_FIELD_CHARS.reason),
  /** ms since the epoch. */
  at: epochMs,
});

export const writesMessageSchema = z.strictObject({
  t: z.literal('writes'),
  /** Real paths the guard allowed a write to, since the last message. */
  paths: z.array(absolutePath).min(1).max(64),
});

export const isolateStatsSchema = z.strictObject({
  cpuMs: z.number().nonnegative().max(MS),
  wallMs: z.number().nonnegative().max(MS),
  /** null when the isolate was disposed before it could be measured (it ran out of memory). */
  heap: z
    .strictObject({
      usedBytes: measure(BYTES),
      totalBytes: measure(BYTES),
      limitBytes: measure(BYTES),
      externalBytes: measure(BYTES),
      mallocedPeakBytes: measure(BYTES),
    })
    .nullable(),
});

export const exitMessageSchema = z.strictObject({
  t: z.literal('exit'),
  /** How the sleeve's own code ended: "returned", or "threw" with a message. */
  outcome: z.enum(['returned', 'threw']),
  error: text(4096).optional(),
  maxRssKiB: measure(BYTES / 1024),
  cpuUserMs: measure(MS),
  cpuSystemMs: measure(MS),
  /** Isolate mode: the isolate's own CPU and wall time and its heap at the end. */
  isolate: isolateStatsSchema.optional(),
});

/** Isolate mode: the host stopped the isolate at one of its limits (sent before the process exits). */
export const limitMessageSchema = z.strictObject({
  t: z.literal('limit'),
  limit: z.enum(['timeout', 'memory']),
  detail: text(1024),
});

export const sleeveMessageSchema = z.discriminatedUnion('t', [
  readyMessageSchema,
  denyMessageSchema,
  writesMessageSchema,
  exitMessageSchema,
  limitMessageSchema,
]);
