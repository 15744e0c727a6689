/**
 * The sleeve manifest: which sleeves a batch runs, under which policies.
 * JSON, validated by zod with unknown keys refused; every error names
 * file:line:col and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ManifestError } from '../../policies/errors.js';
import { type JsonSource, issuesToDiagnostics, parseJsonSource } from '../../policies/json-source.js';
import { RUN_ID_RE } from '../../policies/patterns.js';
import { runsDirProblem } from '../../policies/runs-dir.js';
import { osLayerField } from '../../policies/schema.js';

export const MANIFEST_FORMAT_VERSION = 1;
export const SLEEVE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const modeField = z.enum(['process', 'isolate'], { error: 'expected "process" or "isolate"' }).optional();
const osLayerSetting = osLayerField.optional();

const step = z
  .strictObject({
    name: z
      .string({ error: 'expected the sleeve name as a string' })
      .regex(SLEEVE_NAME_RE, { error: 'expected a name of letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit)' })
      .describe('Unique name of the sleeve in this batch.'),
    entry: z
      .string({ error: 'expected the entry file as a string' })
      .min(1, { error: 'expected the entry file, got ""' })
      .refine((e) => /\.(?:[cm]?js|ts)$/.test(e), { error: 'expected a .js, .mjs, .cjs or .ts file' })
      .optional()
      .describe('Entry file, relative to the workspace or absolute: .js, .mjs, .cjs or .ts. A step gives either entry or command.'),
    command: z
      .array(z.string({ error: 'expected each word as a string' }).min(1, { error: 'expected a non-empty word' }), {
        error: 'expected the command as an array of strings, e.g. ["python3", "sleeves/momentum.py"]',
      })
      .min(1, { error: 'expected at least the program, e.g. ["python3", "sleeves/momentum.py"]' })
      .optional()
      .describe(
        'Any program instead of an entry: the first word is looked up on the sandbox PATH (or is a path), the rest are its arguments. Needs the OS layer.',
      ),
    args: z
      .array(z.string({ error: 'expected each argument as a string' }), { error: 'expected an array of strings' })
      .optional()
      .describe('Arguments (process.argv.slice(2)).'),
    env: z
      .record(z.string(), z.string({ error: 'expected the value as a string' }))
      .superRefine((record, ctx) => {
        for (const key of Object.keys(record)) {
          if (!ENV_NAME_RE.test(key)) {
            ctx.addIssue({ code: 'custom', path: [key], params: { atKey: true }, message: `expected a variable name, got the key ${JSON.stringify(key)}` });
          }
        }
      })
      .optional()
      .describe('Extra variables for this sleeve (they cannot override what the policy sets).'),
    runId: z
      .string({ error: 'expected the run id as a string' })
      .regex(RUN_ID_RE, { error: `expected a run id matching ${RUN_ID_RE.source}` })
      .optional()
      .describe('Run id; generated as <name>_<UTC yyyymmddHHMMss>_<6 hex> when absent.'),
    policy: z
      .string({ error: 'expected a policy name or path' })
      .min(1)
      .optional()
      .describe('Policy for this sleeve (name, or path relative to the manifest).'),
    mode: modeField.describe('Where this sleeve runs: "process" or "isolate" (isolate wins when the policy, the manifest or --mode asks for it).'),
    osLayer: osLayerSetting.describe('The OS layer for this step: "required", "auto" or "off" (the strictest of policy, manifest and --os-layer wins).'),
  })
  .superRefine((s, ctx) => {
    if (s.entry === undefined && s.command === undefined) {
      ctx.addIssue({ code: 'custom', path: ['entry'], message: 'expected "entry" (a Node sleeve) or "command" (any program), got neither' });
    } else if (s.entry !== undefined && s.command !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'expected "entry" or "command", not both: a step runs one program' });
    }
    if (s.command !== undefined && s.mode === 'isolate') {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'expected no "mode" on a command step: isolate mode runs JavaScript only' });
    }
  })
  .describe('One sleeve.');

export type ManifestStep = z.output<typeof step>;

export const manifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(MANIFEST_FORMAT_VERSION, { error: `expected the manifest format version ${MANIFEST_FORMAT_VERSION}` }),
    policy: z.string({ error: 'expected a policy name or path' }).min(1).optional().describe('Default policy of the sleeves (--policy overrides it).'),
    mode: modeField.describe('Default mode of the steps: "process" or "isolate".'),
    osLayer: osLayerSetting.describe('Default OS layer of the steps: "required", "auto" or "off" (it can raise a policy\'s setting, never lower it).'),
    runsDir: z
      .string({ error: 'expected the run root as a string, e.g. "artifacts/summaries/runs"' })
      .superRefine((v, ctx) => {
        const problem = runsDirProblem(v);
        if (problem !== undefined)
          ctx.addIssue({ code: 'custom', message: `expected a run root inside the workspace, got ${JSON.stringify(v)}, which ${problem}` });
      })
      .optional()
      .describe(
        'The run root, relative to the workspace: each sleeve writes <runsDir>/<runId>, which {runDir} names (--runs-dir overrides it). Default "runs".',
      ),
    prepare: z
      .array(step, { error: 'expected an array of steps' })
      .optional()
      .describe('Steps run one by one before the sleeves, each with its own policy (e.g. ingest).'),
    sleeves: z
      .array(step, { error: 'expected an array of sleeves' })
      .min(1, { error: 'expected at least one sleeve' })
      .describe('The sleeves, run in parallel.'),
    finalize: step
      .optional()
      .describe(
        "The combine step: runs once every sleeve succeeded, under its own policy; reads the run dirs of this batch's sleeves through {batchRunDirs} (and SLEEVE_BATCH_RUNS) and writes its own run dir.",
      ),
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    const all: Array<[Array<string | number>, ManifestStep]> = [
      ...(m.prepare ?? []).map((s, i): [Array<string | number>, ManifestStep] => [['prepare', i], s]),
      ...m.sleeves.map((s, i): [Array<string | number>, ManifestStep] => [['sleeves', i], s]),
      ...(m.finalize ? [[['finalize'], m.finalize] as [Array<string | number>, ManifestStep]] : []),
    ];
    for (const [at, s] of all) {
      if (seen.has(s.name)) {
        ctx.addIssue({ code: 'custom', path: [...at, 'name'], message: `expected unique names, got ${JSON.stringify(s.name)} twice; rename one` });
      }
      seen.set(s.name, 0);
    }
    const ids = new Set<string>();
    for (const [at, s] of all) {
      if (s.runId === undefined) continue;
      if (ids.has(s.runId)) ctx.addIssue({ code: 'custom', path: [...at, 'runId'], message: `expected unique run ids, got ${JSON.stringify(s.runId)} twice` });
      ids.add(s.runId);
    }
  })
  .describe('A sleeve-sandbox manifest.');

export type Manifest = z.output<typeof manifestSchema>;

export interface LoadedManifest {
  file: string;
  json: JsonSource;
  manifest: Manifest;
}

export function loadManifest(file: string): LoadedManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ManifestError([
      { file, line: 1, column: 1, jsonPath: '', level: 'error', message: `cannot read the manifest (${code}): check the --manifest path` },
    ]);
  }
  const json = parseJsonSource(file, text, (d) => new ManifestError(d));
  const result = manifestSchema.safeParse(json.value);
  if (!result.success) throw new ManifestError(issuesToDiagnostics(result.error.issues, json, 'a manifest may have (see "Manifest" in the README)'));
  return { file, json, manifest: result.data };
}
