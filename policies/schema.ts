/**
 * The policy file format. The zod schema is the source of truth: the types are
 * inferred from it and the JSON Schema for editors is generated from it.
 */
import { z } from 'zod';
import { BATCH_RUN_DIRS, checkPattern, isGlob } from './patterns.js';

/** Ids of the lint warnings a policy may acknowledge (kept in step with lint.ts by a test). */
export const ACKNOWLEDGEABLE = [
  'write-outside-runs',
  'root-globstar',
  'absolute-path',
  'dead-deny',
  'dead-allow',
  'env-pass-all',
  'process-escape',
  'duplicate-key',
  'os-layer-unenforced',
  'shadows-builtin',
] as const;

export const POLICY_FORMAT_VERSION = 1;

const pattern = z.string({ error: 'expected a glob pattern (string)' }).superRefine((value, ctx) => {
  const problem = checkPattern(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const allowPattern = pattern.describe(
  "Workspace-relative glob (`**`, `*`, `{a,b}`); `{runDir}` and `{runId}` are replaced per sleeve; `{batchRunDirs}` (read rules of a combine step) stands for the run dirs of its batch's sleeves.",
);

const denyRule = z.union(
  [
    pattern.describe('Workspace-relative glob that is always denied.'),
    z
      .strictObject({
        path: pattern.describe('Workspace-relative glob that is always denied.'),
        reason: z
          .string({ error: 'expected the reason as a string' })
          .min(1, { error: 'expected a non-empty reason' })
          .describe('Quoted in error messages and reports, e.g. "strict isolation: use your run\'s own candidates".'),
      })
      .describe('A denied pattern with the reason quoted to the sleeve and in reports.'),
  ],
  { error: 'expected a pattern string or an object { "path": "<glob>", "reason": "<why>" }' },
);

const accessRules = z
  .strictObject({
    allow: z.array(allowPattern, { error: 'expected an array of glob patterns' }).default([]).describe('Paths this operation may touch.'),
    deny: z
      .array(denyRule, { error: 'expected an array of patterns or { path, reason } objects' })
      .default([])
      .describe('Paths this operation may never touch. Deny always beats allow, whatever the order or specificity.'),
  })
  .describe('Allow and deny lists for one operation.');

/**
 * Variables that change how node or libuv start (NODE_OPTIONS could add
 * permission flags, NODE_REDIRECT_WARNINGS or NODE_COMPILE_CACHE write files,
 * NODE_PATH widens resolution): never passed from the parent, and never set
 * by a policy either. NODE_ENV is the application's, not node's.
 */
export function startupVariable(name: string): boolean {
  return (name.startsWith('NODE_') && name !== 'NODE_ENV') || name.startsWith('UV_');
}

const envName = z.string({ error: 'expected an environment variable name' }).regex(/^(?:[A-Za-z_][A-Za-z0-9_]*\*?|\*)$/, {
  error: 'expected a variable name (e.g. "PATH") or a prefix pattern ending in "*" (e.g. "TV_*")',
});

/** The OS layer settings, weakest first: a setting can be raised along this order, never lowered. */
export const OS_LAYER_SETTINGS = ['off', 'auto', 'required'] as const;
export type OsLayerSetting = (typeof OS_LAYER_SETTINGS)[number];
export const osLayerField = z.enum(OS_LAYER_SETTINGS, { error: 'expected "required", "auto" or "off"' });

/** The strictest of the settings given (undefined ones ignored); "auto" when none is given. */
export function strictestOsLayer(...settings: Array<OsLayerSetting | undefined>): OsLayerSetting {
  let best: OsLayerSetting | undefined;
  for (const s of settings) if (s !== undefined && (best === undefined || OS_LAYER_SETTINGS.indexOf(s) > OS_LAYER_SETTINGS.indexOf(best))) best = s;
  return best ?? 'auto';
}

export const policySchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of the JSON Schema, for editors. Ignored by the engine.'),
    version: z
      .literal(POLICY_FORMAT_VERSION, { error: `expected the policy format version ${POLICY_FORMAT_VERSION}` })
      .describe('Format version of this file.'),
    name: z
      .string({ error: 'expected the policy name as a string' })
      .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'expected a lower-case name of letters, digits, ".", "_" or "-"' })
      .describe('Name of the policy, used in messages and reports.'),
    description: z.string().optional().describe('What the policy is for, in one or two sentences.'),
    extends: z
      .string({ error: 'expected the name or path of the base policy' })
      .min(1, { error: 'expected the name or path of the base policy, got ""' })
      .optional()
      .describe('Base policy: a name (workspace policies/<name>.json, then built-ins) or a path relative to this file.'),
    fs: z
      .strictObject({
        read: accessRules.optional(),
        write: accessRules.optional(),
      })
      .optional()
      .describe('File system rules. Anything no allow rule names is denied.'),
    env: z
      .strictObject({
        pass: z
          .array(envName, { error: 'expected an array of variable names' })
          .optional()
          .describe('Parent variables passed through: names, or prefixes ending in "*".'),
        set: z
          .record(z.string(), z.string({ error: 'expected the value as a string' }))
          .superRefine((record, ctx) => {
            for (const key of Object.keys(record)) {
              if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
                ctx.addIssue({
                  code: 'custom',
                  path: [key],
                  params: { atKey: true },
                  message: `expected a variable name (letters, digits and "_", not starting with a digit), got the key ${JSON.stringify(key)}`,
                });
              } else if (startupVariable(key)) {
                ctx.addIssue({
                  code: 'custom',
                  path: [key],
                  params: { atKey: true },
                  message: `expected a variable the sleeve reads, got ${key}, which changes how node (or libuv) starts: a policy cannot set it (NODE_ENV is the one NODE_* variable it may set); remove it`,
                });
              }
            }
          })
          .optional()
          .describe('Variables set to fixed values (they win over passed ones).'),
      })
      .optional()
      .describe('The sleeve environment is built only from this; nothing else leaks from the parent.'),
    mode: z
      .enum(['process', 'isolate'], { error: 'expected "process" or "isolate"' })
      .optional()
      .describe(
        'Where sleeve code runs: "process" (its own Node process under the fs guard; the default) or "isolate" (a V8 isolate with no Node API, only ctx). "isolate" cannot be lowered by an extending policy, a manifest or --mode.',
      ),
    osLayer: osLayerField
      .optional()
      .describe(
        'The kernel boundary (bubblewrap): "required" (no sleeve runs without it), "auto" (used wherever it works; the default) or "off". The strictest of the policy chain, the manifest and --os-layer wins: it can be raised, never lowered.',
      ),
    net: z.boolean({ error: 'expected true or false' }).optional().describe('Network access (sockets, DNS, HTTP, fetch). Default false.'),
    process: z
      .strictObject({
        childProcess: z.boolean({ error: 'expected true or false' }).optional().describe('May start child processes. Default false.'),
        workers: z.boolean({ error: 'expected true or false' }).optional().describe('May start worker threads. Default false.'),
        addons: z.boolean({ error: 'expected true or false' }).optional().describe('May load native addons. Default false.'),
      })
      .optional()
      .describe('Leaving the process model. Everything is denied by default.'),
    resources: z
      .strictObject({
        memoryMiB: z
          .int({ error: 'expected a whole number of MiB' })
          .min(16, { error: 'expected at least 16 MiB' })
          .max(1_048_576, { error: 'expected at most 1048576 MiB (1 TiB)' })
          .optional()
          .describe('Heap limit per sleeve in MiB.'),
        timeoutSeconds: z
          .number({ error: 'expected seconds as a number' })
          .positive({ error: 'expected a timeout above 0 seconds' })
          .max(604_800, { error: 'expected at most 604800 seconds (one week)' })
          .optional()
          .describe('Wall-clock limit per sleeve in seconds.'),
        cpus: z
          .number({ error: 'expected a number of cpus' })
          .positive({ error: 'expected a cpu share above 0' })
          .max(1024, { error: 'expected at most 1024 cpus' })
          .optional()
          .describe('CPU share per sleeve (informational until the OS layer).'),
      })
      .optional()
      .describe('Limits per sleeve.'),
    requires: z
      .array(
        pattern
          .refine((p) => !isGlob(p.replace(/\{(runDir|runId)\}/g, 'x')), {
            error: 'expected a literal path (no glob characters): each required path is checked on its own',
          })
          .describe('Path that must exist and be non-empty.'),
        { error: 'expected an array of paths' },
      )
      .optional()
      .describe('Paths that must exist and be non-empty before any sleeve starts (strict health).'),
    audit: z
      .strictObject({
        protect: z
          .array(pattern.describe('Workspace-relative glob of protected files.'), { error: 'expected an array of glob patterns' })
          .describe('Files the auditor hashes (sha256) before and after each batch. Default: ["data/lakehouse/**"].'),
      })
      .optional()
      .describe('What the auditor checks most closely.'),
    acknowledge: z
      .array(z.enum(ACKNOWLEDGEABLE, { error: `expected a lint rule id: one of ${ACKNOWLEDGEABLE.join(', ')}` }), {
        error: 'expected an array of lint rule ids',
      })
      .optional()
      .describe('Lint warnings this policy means to have, e.g. "write-outside-runs" for an ingest policy.'),
  })
  .superRefine((p, ctx) => {
    // {batchRunDirs} grants a combine step sight of the batch's results: never writes into them, never
    // a check before the batch (requires), never the audit's protected zone (it changes every batch).
    const places: Array<[readonly (string | { path: string })[] | undefined, Array<string | number>, string]> = [
      [p.fs?.write?.allow, ['fs', 'write', 'allow'], 'a combine step reads the run dirs of its batch and writes only its own {runDir}'],
      [p.requires, ['requires'], 'required paths are checked before any sleeve runs, when the batch has no run dirs yet'],
      [p.audit?.protect, ['audit', 'protect'], 'the protected zone is hashed before the batch starts'],
    ];
    for (const [list, at, why] of places) {
      for (const [i, entry] of (list ?? []).entries()) {
        const value = typeof entry === 'string' ? entry : entry.path;
        if (value.includes(BATCH_RUN_DIRS))
          ctx.addIssue({ code: 'custom', path: [...at, i], message: `expected no {batchRunDirs} here, got ${JSON.stringify(value)}: ${why}` });
      }
    }
  })
  .describe('A sleeve-sandbox policy: what each sleeve may read, write and use.');

/** A policy file as written (defaults applied by zod to the fs lists only). */
export type PolicyFile = z.output<typeof policySchema>;
export type DenyEntry = string | { path: string; reason: string };

/** Generates the JSON Schema shipped as policies/policy.schema.json. */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://sleeve-sandbox.dev/schemas/policy-v1.json',
    title: 'sleeve-sandbox policy',
  };
}
