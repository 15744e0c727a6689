/**
 * The wire contract between a submitter (`run --queue`) and its workers
 * (`sleeve-sandbox worker`): one zod schema for the job payload and one for
 * the result, the only things that cross Redis. Both sides validate what they
 * receive: the queue is infrastructure, not a trust boundary, so a payload
 * that does not parse is refused by the worker (never run) and a result that
 * does not parse fails that sleeve on the submitter.
 *
 * What travels: the step as the manifest gave it (entry or command, args,
 * env, run id, mode, OS layer), a reference to its policy plus the content
 * and sha256 of every file of its chain (the worker loads the policy from its
 * own replica and refuses unless every hash matches), the workspace
 * fingerprint the step needs (fingerprint.ts), its limits and the audit
 * settings. Back: how the sleeve ended, the worker's audit of its own
 * replica, and the run dir as a zip (base64 in the job's return value,
 * bounded by the worker's --artifact-limit) with its sha256 and size.
 */
import { z } from 'zod';
import { RUN_ID_RE } from '../../policies/patterns.js';
import { sleeveReportSchema, violationSchema } from '../audit/schema.js';
import { ENV_NAME_RE, SLEEVE_NAME_RE } from '../batch/manifest.js';

export const WIRE_VERSION = 1;
/** The BullMQ queue every submitter and worker of one Redis share; batches are told apart by job ids. */
export const QUEUE_NAME = 'sleeve-sandbox';
/** Redis key the submitter sets to cancel a batch's running jobs (workers poll it). */
export const cancelKey = (batchId: string) => `sleeve-sandbox:cancel:${batchId}`;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a sha256 in hex' });
/** A workspace-relative path: no leading "/", no "." or ".." component, no backslash or control character. */
export const relPath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) => !p.startsWith('/') && !p.includes('\\') && !/[\u0000-\u001f\u007f]/.test(p) && p.split('/').every((c) => c !== '' && c !== '.' && c !== '..'),
    {
      error: 'expected a workspace-relative path (no leading "/", no "." or ".." component)',
    },
  );
const id = z.string().regex(RUN_ID_RE, { error: `expected an id matching ${RUN_ID_RE.source}` });

export const fingerprintSchema = z
  .strictObject({
    digest: sha256.describe('sha256 over the three parts below.'),
    lakehouse: z
      .strictObject({ dir: relPath, files: z.number().int().nonnegative(), digest: sha256 })
      .describe('Every file of the lakehouse: path and sha256.'),
    lockfile: z.strictObject({ file: relPath, sha256: sha256.nullable() }).describe('The lockfile (null when the workspace has none).'),
    sources: z
      .strictObject({ paths: z.array(relPath).max(64), files: z.number().int().nonnegative(), digest: sha256 })
      .describe("The step's own code: every file under these paths."),
  })
  .describe('What a replica must hold, byte for byte, to run the step.');
export type Fingerprint = z.infer<typeof fingerprintSchema>;

export const jobPayloadSchema = z
  .strictObject({
    wire: z.literal(WIRE_VERSION).describe('The wire format version.'),
    batchId: id,
    submitter: z.strictObject({ host: z.string().max(256), pid: z.number().int().nonnegative() }),
    runsDir: relPath.describe("The run root: the run dir is <worker's workspace>/<runsDir>/<runId>."),
    step: z
      .strictObject({
        name: z.string().regex(SLEEVE_NAME_RE),
        runId: id,
        entry: relPath.optional().describe('A Node sleeve: its entry, workspace-relative.'),
        command: z.array(z.string().min(1).max(4096)).min(1).max(256).optional().describe('A command step: its words as the manifest gave them.'),
        args: z.array(z.string().max(65536)).max(1024),
        env: z.record(z.string().regex(ENV_NAME_RE), z.string().max(65536)),
        mode: z.enum(['process', 'isolate']).optional(),
        osLayer: z.enum(['required', 'auto', 'off']),
      })
      .refine((s) => (s.entry === undefined) !== (s.command === undefined), { error: 'expected an entry or a command, not both' }),
    policy: z
      .strictObject({
        ref: z
          .union([z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/) }), z.strictObject({ file: relPath })])
          .describe("How the worker finds it: a name (built-in or the workspace's policies/) or a workspace-relative file."),
        sha256: sha256.describe('sha256 of the policy file itself (the first of the chain).'),
        chain: z
          .array(z.strictObject({ name: z.string().max(256), kind: z.enum(['builtin', 'workspace', 'file']), sha256, content: z.string().max(1024 * 1024) }))
          .min(1)
          .max(32)
          .describe('Every file of the chain, the policy first: content and sha256.'),
      })
      .refine((p) => p.chain[0]?.sha256 === p.sha256, { error: "expected the policy's sha256 to be its chain's first" }),
    fingerprint: fingerprintSchema,
    code: z.strictObject({ entrySha256: sha256.nullable() }).describe('sha256 of the entry file (null for a command step).'),
    limits: z.strictObject({
      timeoutSeconds: z.number().positive().finite().optional(),
      memoryMiB: z.number().positive().finite().optional(),
      logLimitMiB: z.number().positive().finite(),
    }),
    audit: z.strictObject({ enabled: z.boolean(), hash: z.boolean(), ignore: z.array(z.string().max(4096)).max(256) }),
  })
  .describe('One sleeve job, as the submitter enqueues it.');
export type JobPayload = z.infer<typeof jobPayloadSchema>;

export const workerIdentitySchema = z.strictObject({ id: z.string().max(256), host: z.string().max(256), pid: z.number().int().nonnegative() });
export type WorkerIdentity = z.infer<typeof workerIdentitySchema>;

export const jobResultSchema = z
  .strictObject({
    wire: z.literal(WIRE_VERSION),
    batchId: id,
    runId: id,
    worker: workerIdentitySchema,
    attempts: z.number().int().nonnegative().describe('Attempts started on this job (a stalled attempt counts).'),
    fingerprint: sha256.describe("The worker's own fingerprint (equal to the job's, or it would have refused)."),
    audit: z.strictObject({
      verdict: z.string().max(32),
      exitCode: z.number().int().nullable(),
      weakened: z.array(z.string()).max(1000),
      violations: z.array(violationSchema).max(10000),
      sleeve: sleeveReportSchema.describe("The sleeve's entry in the worker's audit.json."),
    }),
    zip: z
      .strictObject({ sha256, size: z.number().int().nonnegative(), base64: z.string() })
      .nullable()
      .describe('The run dir as a zip (export-zip.ts), or null when it could not be sent.'),
    artifactError: z.string().max(4096).optional().describe('Why there is no zip (past the cap).'),
  })
  .describe('What a worker returns for one job.');
export type JobResult = z.infer<typeof jobResultSchema>;

/** The first issue of a failed parse, as "path: message". */
export function firstIssue(error: z.ZodError): string {
  const i = error.issues[0];
  return `${i?.path.length ? `${i.path.join('.')}: ` : ''}${i?.message ?? 'invalid'}`;
}
