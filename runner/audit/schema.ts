/**
 * The audit report (`audit.json`): the zod schema is the source of truth;
 * the JSON Schema shipped in schemas/audit.schema.json is generated from it.
 * Consumers script against this: bump AUDIT_VERSION on any breaking change.
 */
import { z } from 'zod';
import { VERDICTS } from './verdict.js';

/**
 * 2: verdicts running, partial, unaudited and error; `weakened`; each sleeve's channel and policy sources; `integrity.excluded`.
 * Since then, optional fields only, so every earlier report still validates: each sleeve's `entry`, each denial's `origin`
 * (a reader that validates against an older copy of the JSON Schema must take the new one: it forbids unknown fields).
 */
export const AUDIT_VERSION = 2;

export const fileAttrsSchema = z
  .strictObject({
    type: z.enum(['file', 'dir', 'symlink', 'other']).describe('Kind of entry.'),
    size: z.string().describe('Size in bytes (decimal string: may exceed 2^53).'),
    mtimeNs: z.string().describe('Modification time, nanoseconds since the epoch (decimal string).'),
    ctimeNs: z.string().describe('Status change time, nanoseconds since the epoch (decimal string).'),
    ino: z.string().describe('Inode number (decimal string).'),
    mode: z.number().int().describe('Mode bits, including the type.'),
    nlink: z.number().int().describe('Hard link count.'),
    target: z.string().optional().describe('Symlink target, for symlinks.'),
    sha256: z.string().optional().describe('Content hash, for protected files.'),
  })
  .describe('What the manifest recorded of one entry.');

export const changeKindSchema = z.enum(['added', 'removed', 'modified', 'metadata', 'type-changed']);

export const denialSchema = z.strictObject({
  op: z.string(),
  syscall: z.string(),
  path: z.string(),
  resolved: z.string().optional(),
  rule: z.string(),
  reason: z.string(),
  time: z.string().describe('ISO time of the first refusal.'),
  count: z.number().int().positive(),
  origin: z
    .strictObject({
      file: z.string().describe('Absolute path of the policy file that holds the rule.'),
      line: z.number().int().positive(),
      column: z.number().int().positive(),
      jsonPath: z.string().describe('JSON path of the rule in that file, e.g. `fs.read.deny[0]`.'),
    })
    .optional()
    .describe(
      "Where the rule named in `rule` is written: the runner's own lookup of that rule in the sleeve's policy. Absent when no rule decided (no allow matched, a capability off by default) or the rule names none of the policy's rules.",
    ),
});

export const sleeveStatusSchema = z.enum(['ok', 'failed', 'crashed', 'timeout', 'oom', 'interrupted', 'cancelled', 'skipped', 'queued', 'running']);

export const sleeveOsSchema = z
  .strictObject({
    used: z.boolean().describe('Whether the sleeve ran inside the bubblewrap sandbox compiled from its policy.'),
    setting: z.enum(['required', 'auto', 'off']).describe('The OS layer setting in force for this sleeve.'),
    from: z.string().describe('Who set it: a flag, the manifest, a policy, or the default.'),
    why: z.string().optional().describe('Why the layer was not used (a setting of "auto" on a machine where bubblewrap cannot run, or "off").'),
    identity: z.string().optional().describe('Who the sleeve was inside the sandbox.'),
    network: z.enum(['closed', 'open']).optional().describe('"open" when the policy allowed the network (no network namespace).'),
    maxProcesses: z.number().int().positive().optional().describe('RLIMIT_NPROC inside the sandbox.'),
    mounts: z.number().int().nonnegative().optional().describe('Entries of the mount table (written to logs/os-layer.json in the run dir).'),
    unenforced: z
      .array(z.strictObject({ list: z.enum(['fs.read.deny', 'fs.write.deny']), pattern: z.string(), why: z.string() }))
      .describe('Deny rules the kernel did not hold for this sleeve (the JS guard still refuses them in a Node sleeve).'),
    denialsItemised: z
      .boolean()
      .describe(
        'False for a program that is not Node: what the kernel refused reached it as ordinary errors (EROFS, EACCES, ENOENT) and is not itemised in denials.',
      ),
  })
  .describe('The OS layer (bubblewrap) for this sleeve.');

export const channelReportSchema = z
  .strictObject({
    accepted: z.number().int().nonnegative(),
    dropped: z
      .strictObject({ denials: z.number().int().nonnegative(), writes: z.number().int().nonnegative() })
      .describe('Messages counted but not kept, past a cap: a sleeve with any is never clean.'),
    fault: z.string().nullable().describe('The first malformed message or broken rule; the sleeve was stopped and failed (a report-channel denial).'),
  })
  .describe("The sleeve's report channel (fd 3), read as hostile input.");

export const policySourceSchema = z
  .strictObject({
    shadows: z.string().nullable().describe('The built-in policy a workspace file of the same name replaced in this chain, if any.'),
    chain: z
      .array(
        z.strictObject({
          name: z.string(),
          file: z.string(),
          kind: z.enum(['builtin', 'workspace', 'file']),
          sha256: z.string().describe('Of the file as the runner loaded it (its UTF-8 text).'),
        }),
      )
      .min(1)
      .describe('The policy file first, then each base it extends.'),
  })
  .describe('Where the policy came from, file by file.');

/** What a step of a batch is: a prepare step (serial, before), a sleeve (parallel), the combine step (after). */
export const sleeveKindSchema = z.enum(['prepare', 'sleeve', 'finalize']);
export type SleeveKind = z.infer<typeof sleeveKindSchema>;

export const sleeveReportSchema = z.strictObject({
  name: z.string(),
  kind: sleeveKindSchema,
  runId: z.string(),
  runDir: z.string(),
  policy: z.string(),
  entry: z.string().optional().describe('Absolute path of the entry file (a command step: its program). Absent in reports older than it.'),
  policySource: policySourceSchema.optional().describe('Absent only for a sleeve of a report written before planning finished.'),
  envDropped: z
    .array(z.string())
    .optional()
    .describe(
      "Variables set in the runner's environment that look relevant to this sleeve (well-known ones such as DEBUG, TZ, LANG, or holding its name) but that its policy does not pass: names only, never values. Absent when there are none.",
    ),
  layers: z.array(z.string()).describe('Enforcement layers active for this sleeve.'),
  status: sleeveStatusSchema,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  startedAt: z.string().nullable(),
  durationMs: z.number().nonnegative().describe('From its start (for a sleeve under the bootstrap: "go") to its end.'),
  start: z
    .strictObject({
      warmMs: z
        .number()
        .nonnegative()
        .describe('How long the process waited, sandbox set up and no sleeve code loaded, before "go" (0 or near it: spawned when it was due).'),
      latencyMs: z
        .number()
        .nonnegative()
        .nullable()
        .describe('From "go" to the sandbox saying ready, right before sleeve code runs: start latency. Null when it never said so.'),
    })
    .optional()
    .describe(
      'A sleeve under the bootstrap (process or isolate mode): its start, timed from "go". Absent for command steps, steps that never started and older reports.',
    ),
  peakRssKiB: z.number().nonnegative().nullable().describe('As reported by the sleeve process at exit; null when it did not report.'),
  cpuMs: z.number().nonnegative().nullable(),
  mode: z
    .enum(['process', 'isolate', 'command'])
    .optional()
    .describe(
      'Where the sleeve code ran: a Node process, a V8 isolate, or a command (any program, inside the OS layer). Always written since isolate mode; absent in older reports.',
    ),
  command: z.array(z.string()).optional().describe('A command step: the program as run and its arguments.'),
  os: sleeveOsSchema.optional().describe('The OS layer for this sleeve (absent in reports older than the OS layer, and for sleeves that never started).'),
  isolate: z
    .strictObject({
      cpuMs: z.number().nonnegative().describe("CPU time spent in the sleeve's isolate."),
      wallMs: z.number().nonnegative().describe('Wall time the isolate was running, including calls out to ctx.'),
      heap: z
        .strictObject({
          usedBytes: z.number().nonnegative(),
          totalBytes: z.number().nonnegative(),
          limitBytes: z.number().nonnegative(),
          externalBytes: z.number().nonnegative().describe('Memory outside the V8 heap counted against the limit (large ArrayBuffers).'),
          mallocedPeakBytes: z.number().nonnegative(),
        })
        .nullable()
        .describe('The heap at the end; null when the isolate was disposed first (it passed its memory limit).'),
    })
    .optional()
    .describe('Isolate mode: what the host measured of the isolate (absent when the process did not report).'),
  denials: z.array(denialSchema),
  writes: z.number().int().nonnegative().describe('Distinct paths the guard allowed a write to.'),
  artifacts: z
    .array(z.strictObject({ path: z.string(), size: z.number().nonnegative() }))
    .describe('Files in the run dir after the batch (workspace-relative).'),
  logs: z.strictObject({ stdout: z.string(), stderr: z.string(), truncated: z.boolean() }),
  channel: channelReportSchema.optional().describe('Absent for a sleeve that never started.'),
  schedule: z
    .strictObject({
      cpus: z.number().positive().describe("CPUs granted from the batch's pool (its policy's resources.cpus, default 1)."),
      memoryMiB: z.number().int().positive().describe("MiB granted from the batch's pool (its policy's resources.memoryMiB, default 3072)."),
      queueWaitMs: z.number().nonnegative().describe('From the opening of the queue (after the prepare steps) to its start.'),
    })
    .optional()
    .describe('What the scheduler granted; absent for a step that never started and in reports older than the scheduler.'),
  stderrTail: z
    .array(z.string())
    .optional()
    .describe('A sleeve that did not end ok: the last lines of its stderr (at most 20), so the reason shows without the log.'),
  error: z.string().optional(),
});

export const exportReportSchema = z
  .strictObject({
    format: z.literal('zip'),
    dir: z.string().describe('Absolute directory the zips were written to.'),
    limitBytes: z.number().int().positive().describe('The cap on the bytes of files exported by the batch (--export-limit).'),
    zips: z.array(
      z.strictObject({
        sleeve: z.string(),
        runId: z.string(),
        file: z.string().describe('Absolute path of the zip: <dir>/<runId>.zip.'),
        size: z.number().int().nonnegative().describe('Bytes of the zip.'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        entries: z.number().int().nonnegative().describe('Entries stored (directories included).'),
        bytes: z.number().int().nonnegative().describe('Bytes of the files stored, uncompressed.'),
        skipped: z
          .array(z.strictObject({ path: z.string(), why: z.string() }))
          .describe('Run-dir relative paths not stored (links, special files, names an extractor could misread).'),
      }),
    ),
    error: z.string().optional().describe('Why the export failed (no zip for the run dirs past it); the runner exits at least 1.'),
  })
  .describe('--export zip: one zip per run dir, written after the audit.');

export const violationSchema = z.strictObject({
  path: z.string().describe('Workspace-relative path.'),
  change: changeKindSchema,
  before: fileAttrsSchema.nullable(),
  after: fileAttrsSchema.nullable(),
  time: z.string().nullable().describe('When the watcher saw it (ISO); null when it saw nothing.'),
  suspects: z.array(z.string()).describe('Sleeves running at that time (all of the batch when the time is unknown).'),
  why: z.string().describe('Why this change is not permitted.'),
});

export const auditReportSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(AUDIT_VERSION),
    tool: z.strictObject({ name: z.literal('sleeve-sandbox'), version: z.string() }),
    batchId: z.string(),
    startedAt: z.string(),
    endedAt: z.string(),
    workspace: z.string(),
    nodeVersion: z.string(),
    verdict: z.enum(VERDICTS).describe('See the table in the README: only "clean" is the full proof.'),
    exitCode: z.number().int().nullable().describe('The exit code of the verdict; null while running.'),
    weakened: z.array(z.string()).describe('Why the proof is incomplete (verdict partial): each reason, or empty.'),
    error: z.string().optional().describe('Verdict error: what failed inside the runner.'),
    interrupted: z.string().nullable(),
    sleeves: z.array(sleeveReportSchema),
    pool: z
      .strictObject({
        cpus: z.number().positive(),
        memoryMiB: z.number().int().nonnegative(),
        concurrency: z.number().int().positive().describe('--concurrency: an upper bound on sleeves at once.'),
      })
      .optional()
      .describe('What the sleeves shared (--cpus, --memory-total); absent in reports older than the scheduler.'),
    export: exportReportSchema.optional().describe('Present with --export.'),
    workers: z
      .array(
        z.strictObject({
          worker: z.string().nullable().describe('The worker that ran the job (null: the job failed on the queue before any worker answered).'),
          host: z.string().nullable(),
          sleeve: z.string(),
          runId: z.string(),
          jobId: z.string(),
          verdict: z.string().describe('The worker\'s audit verdict over its replica, or "refused" when the job failed on the queue.'),
          fingerprint: z.string().nullable().describe("The worker's workspace fingerprint (sha256)."),
          attempts: z.number().int().nonnegative().describe('Attempts started (a stalled attempt counts).'),
          stalled: z.number().int().nonnegative().describe('Times the job was found stalled (its worker stopped renewing the lock).'),
          zip: z
            .strictObject({ sha256: z.string(), size: z.number().int().nonnegative() })
            .nullable()
            .describe('The run dir as received, verified before unpacking.'),
          error: z.string().optional(),
        }),
      )
      .optional()
      .describe('Present with run --queue: which worker ran what (one record per sleeve job).'),
    violations: z.array(violationSchema),
    integrity: z.strictObject({
      filesChecked: z.number().int().nonnegative(),
      hashed: z.number().int().nonnegative(),
      changed: z.number().int().nonnegative().describe('Changes seen anywhere in scope (permitted ones included).'),
      unaccounted: z.number().int().nonnegative(),
      watcherEvents: z.number().int().nonnegative(),
      watcherOverflow: z.boolean(),
      audited: z.boolean().describe('Whether the auditor ran (false: verdict unaudited at best).'),
      excluded: z.array(z.string()).describe('Everything left out of the scope: workspace-relative paths and globs, absolute paths outside it.'),
      boundsHit: z
        .array(z.string())
        .describe(
          'Each bound the audit reached (a walk over reported writes cut short, the watcher overflowed): what it could not explain past it is a violation, never explained.',
        ),
      ignored: z.array(z.string()),
      protected: z.array(z.string()),
    }),
  })
  .describe('sleeve-sandbox audit report');

export type AuditReport = z.infer<typeof auditReportSchema>;
export type FileAttrs = z.infer<typeof fileAttrsSchema>;
export type ChangeKind = z.infer<typeof changeKindSchema>;
export type Violation = z.infer<typeof violationSchema>;
export type SleeveReport = z.infer<typeof sleeveReportSchema>;
export type ExportReport = z.infer<typeof exportReportSchema>;
export type SleeveOsReport = z.infer<typeof sleeveOsSchema>;
export type PolicySourceReport = z.infer<typeof policySourceSchema>;

export function auditJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(auditReportSchema) as Record<string, unknown>),
    $id: `https://sleeve-sandbox.dev/schemas/audit-v${AUDIT_VERSION}.json`,
    title: 'sleeve-sandbox audit report',
  };
}
