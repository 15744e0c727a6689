/**
 * Policy unit tests (`policy test`): files next to the policies,
 * `policies/<name>.test.json`, each a list of cases (op, path, optional run id,
 * expected allow or deny, optional expected deciding rule), run against the
 * effective policy (after `extends`).
 *
 * Decisions are made by the engine itself (`decideResolved`) on the path as
 * spelled, anchored at the workspace and folded lexically (`.` and `..` on the
 * spelling; no symlink is followed, nothing on the disk is read): a case decides
 * the same whatever the workspace holds, on any machine. The engine matches
 * case-sensitively here whatever the file system does. A case without `runId`
 * uses DEFAULT_TEST_RUN_ID, so `{runDir}` is `runs/test` (`<runsDir>/test` under
 * another run root, `policy test --runs-dir`).
 *
 * This module is pure: the files are read through a `Sys`; the JUnit and
 * terminal output of the command live in runner/commands/policy/test.ts.
 */
import path from 'node:path';
import { z } from 'zod';
import { describeRule } from './denial.js';
import { type CompiledPolicy, type Decision, compilePolicy } from './engine.js';
import { type Diagnostic, PolicyError } from './errors.js';
import { type JsonSource, formatJsonPath, issuesToDiagnostics, parseJsonSource } from './json-source.js';
import { type LoadOptions, isPolicyPath, loadPolicy } from './loader.js';
import { checkRunId } from './patterns.js';
import { DEFAULT_RUNS_DIR } from './runs-dir.js';
import type { Sys } from './sys.js';
import type { FsOp, ResolvedPolicy, RuleOrigin } from './types.js';

export const POLICY_TEST_FORMAT_VERSION = 1;
/** The run id of a case that names none: `{runDir}` is `runs/test`. */
export const DEFAULT_TEST_RUN_ID = 'test';
export const TEST_FILE_SUFFIX = '.test.json';

const testCaseSchema = z
  .strictObject({
    name: z
      .string({ error: 'expected the case name as a string' })
      .min(1, { error: 'expected a non-empty name' })
      .optional()
      .describe('What the case shows, for messages and JUnit.'),
    op: z.enum(['read', 'write'], { error: 'expected "read" or "write"' }).describe('The operation decided.'),
    path: z
      .string({ error: 'expected the path as a string' })
      .min(1, { error: 'expected a non-empty path' })
      .refine((p) => !p.includes('\0'), { error: 'expected a path without NUL bytes' })
      .describe('Relative to the workspace (e.g. "data/lakehouse/x.parquet") or absolute; "." and ".." are folded on the spelling.'),
    runId: z
      .string({ error: 'expected the run id as a string' })
      .superRefine((id, ctx) => {
        const problem = checkRunId(id);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(`The sleeve's run id ({runDir} is runs/<runId>); default "${DEFAULT_TEST_RUN_ID}".`),
    batchRunIds: z
      .array(
        z.string({ error: 'expected each run id as a string' }).superRefine((id, ctx) => {
          const problem = checkRunId(id);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
        { error: 'expected an array of run ids' },
      )
      .optional()
      .describe("A combine step's batch: the run ids {batchRunDirs} stands for (runs/<id> each); default none, so such rules cover nothing."),
    expect: z.enum(['allow', 'deny'], { error: 'expected "allow" or "deny"' }).describe('The decision the policy must make.'),
    rule: z
      .union([z.string().min(1), z.null()], { error: 'expected the deciding pattern as written (a string), or null for "no rule decided"' })
      .optional()
      .describe('The pattern, as written in the policy, of the rule that must decide (e.g. "{runDir}/**"); null: no rule may match (denied by default).'),
  })
  .describe('One decision the policy must make.');

export const policyTestSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of the JSON Schema, for editors. Ignored.'),
    version: z
      .literal(POLICY_TEST_FORMAT_VERSION, { error: `expected the test file format version ${POLICY_TEST_FORMAT_VERSION}` })
      .describe('Format version of this file.'),
    policy: z
      .string({ error: 'expected the policy name or path as a string' })
      .min(1, { error: 'expected a policy name or path, got ""' })
      .optional()
      .describe(
        'The policy tested: a name (workspace policies/<name>.json, then built-ins) or a path relative to this file. Default: <name>.json next to this file, else the name <name> of <name>.test.json.',
      ),
    cases: z.array(testCaseSchema, { error: 'expected an array of cases' }).min(1, { error: 'expected at least one case' }).describe('Cases, run in order.'),
  })
  .describe('sleeve-sandbox policy tests: decisions a policy must make.');

export type PolicyTestFile = z.output<typeof policyTestSchema>;
export type PolicyTestCase = PolicyTestFile['cases'][number];

/** Generates the JSON Schema shipped as policies/schema/policy-test.schema.json. */
export function policyTestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policyTestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://sleeve-sandbox.dev/schemas/policy-test-v1.json', title: 'sleeve-sandbox policy tests' };
}

export interface LoadedTestFile {
  file: string;
  json: JsonSource;
  spec: PolicyTestFile;
}

/** Reads and validates one test file; a PolicyError (exit 2) names each problem's place. */
export function loadTestFile(file: string, sys: Sys): LoadedTestFile {
  let text: string;
  try {
    text = sys.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PolicyError([
      {
        file,
        line: 1,
        column: 1,
        jsonPath: '',
        level: 'error',
        message: `cannot read the policy test file (${code}): check that it exists and is a readable file`,
      },
    ]);
  }
  const json = parseJsonSource(file, text);
  const parsed = policyTestSchema.safeParse(json.value);
  if (!parsed.success)
    throw new PolicyError(issuesToDiagnostics(parsed.error.issues, json, 'the test file schema defines (see "sleeve-sandbox policy schema --test")'));
  return { file, json, spec: parsed.data };
}

/**
 * The policy reference a test file means: its `policy` (a path relative to the
 * test file, or a name), else `<name>.json` beside it, else the name `<name>`.
 */
export function policyRefOf(loaded: LoadedTestFile, sys: Sys): string {
  const given = loaded.spec.policy;
  const dir = path.dirname(loaded.file);
  if (given !== undefined) return isPolicyPath(given) ? path.resolve(dir, given) : given;
  const base = path.basename(loaded.file);
  const name = base.endsWith(TEST_FILE_SUFFIX) ? base.slice(0, -TEST_FILE_SUFFIX.length) : base.replace(/\.json$/, '');
  const sibling = path.join(dir, `${name}.json`);
  if (sys.lstat(sibling) !== undefined) return sibling;
  if (isPolicyPath(name)) {
    throw new PolicyError([
      {
        file: loaded.file,
        ...loaded.json.locate(['policy']),
        jsonPath: '',
        level: 'error',
        message: `no policy ${sibling} beside the test file, and ${JSON.stringify(name)} is not a policy name: add "policy": "<name or path>"`,
      },
    ]);
  }
  return name;
}

/** A Sys over nothing: realpath folds the spelling, nothing exists. Decisions made through it never touch the disk. */
export const LEXICAL_SYS: Sys = Object.freeze({
  cwd: () => '/',
  realpath: (p: string) => path.posix.resolve(p),
  lstat: () => undefined,
  readlink: (p: string): string => {
    throw Object.assign(new Error(`EINVAL: ${p}`), { code: 'EINVAL' });
  },
  readdir: () => [],
  readFile: (p: string): string => {
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  },
  sizeOf: () => undefined,
  caseInsensitive: false,
});

/** Decides one operation as a policy test does: the spelling anchored at the workspace, folded lexically. */
export function decideSpelled(engine: CompiledPolicy, op: FsOp, spelled: string): Decision {
  return engine.decideResolved(op, path.posix.resolve(engine.workspace, spelled), spelled);
}

export interface CaseResult {
  index: number;
  /** The case's name, or `<op> <path>` (with the run id when given). */
  label: string;
  /** `<op> <path>` (with the run id when given). */
  what: string;
  line: number;
  column: number;
  op: FsOp;
  path: string;
  runId: string;
  expect: 'allow' | 'deny';
  expectRule?: string | null;
  got: 'allow' | 'deny';
  /** The rule that decided (absent when none did: denied by default). */
  rule?: { list: string; pattern: string; reason?: string; origin: RuleOrigin };
  reason: string;
  passed: boolean;
  /** Why it failed, in one sentence (failed cases only). */
  message?: string;
}

export interface TestFileResult {
  file: string;
  policy?: string;
  /** Files of the policy's chain, the tested one first. */
  policyFiles?: string[];
  cases: CaseResult[];
  /** The test file or its policy did not load: nothing ran. */
  errors?: Diagnostic[];
}

/** `read data/x.csv`, with ` (run a)` when the case names its run id. */
export function describeCase(c: Pick<PolicyTestCase, 'op' | 'path' | 'runId'>): string {
  return `${c.op} ${c.path}${c.runId === undefined ? '' : ` (run ${c.runId})`}`;
}

/** The case's name, else what it decides. */
export function caseLabel(c: PolicyTestCase): string {
  return c.name ?? describeCase(c);
}

function where(origin: RuleOrigin, display: (file: string) => string): string {
  return `${display(origin.file)}:${origin.line}:${origin.column}`;
}

/** `fs.read.allow "data/**" (policies/strict.json:9:9)`, or `no rule` for a default denial. */
export function describeDecider(result: Pick<CaseResult, 'rule' | 'op'>, display: (file: string) => string = (f) => f): string {
  if (!result.rule) return `no rule (fs.${result.op}: nothing allows it)`;
  return `${describeRule({ op: result.op, rule: result.rule as Decision['rule'] })} at ${where(result.rule.origin, display)}`;
}

function writtenIn(policy: ResolvedPolicy, op: FsOp, pattern: string): boolean {
  return [...policy.fs[op].allow, ...policy.fs[op].deny].some((r) => (r.written ?? r.pattern) === pattern);
}

/** Runs every case of one test file against a loaded policy. Pure: the engine decides on spellings. */
export function runCases(
  loaded: LoadedTestFile,
  policy: ResolvedPolicy,
  workspace: string,
  display: (file: string) => string = (f) => f,
  runsDir: string = DEFAULT_RUNS_DIR,
): CaseResult[] {
  const engines = new Map<string, CompiledPolicy>();
  const engineFor = (runId: string, batchRunIds: readonly string[]) => {
    const key = JSON.stringify([runId, batchRunIds]);
    let engine = engines.get(key);
    if (!engine) {
      engine = compilePolicy(policy, { workspace: path.posix.resolve(workspace), runId, runsDir, sys: LEXICAL_SYS, batchRunIds });
      engines.set(key, engine);
    }
    return engine;
  };
  return loaded.spec.cases.map((c, index) => {
    const runId = c.runId ?? DEFAULT_TEST_RUN_ID;
    const d = decideSpelled(engineFor(runId, c.batchRunIds ?? []), c.op, c.path);
    const got = d.allowed ? 'allow' : 'deny';
    const result: CaseResult = {
      index,
      label: caseLabel(c),
      what: describeCase(c),
      ...loaded.json.locate(['cases', index]),
      op: c.op,
      path: c.path,
      runId,
      expect: c.expect,
      got,
      reason: d.reason,
      passed: true,
    };
    if (c.rule !== undefined) result.expectRule = c.rule;
    if (d.rule) {
      result.rule = { list: d.rule.list, pattern: d.rule.pattern, origin: d.rule.origin };
      if (d.rule.reason !== undefined) result.rule.reason = d.rule.reason;
    }
    const decidedBy = d.rule?.pattern ?? null;
    const ruleOk = c.rule === undefined || c.rule === decidedBy;
    if (got !== c.expect || !ruleOk) {
      result.passed = false;
      const expected = c.rule === undefined ? c.expect : c.rule === null ? `${c.expect} by no rule` : `${c.expect} by ${JSON.stringify(c.rule)}`;
      result.message = `expected ${expected}, got ${got} by ${describeDecider(result, display)}: ${d.reason}`;
      if (typeof c.rule === 'string' && !writtenIn(policy, c.op, c.rule)) {
        result.message += `; the policy has no fs.${c.op} rule written ${JSON.stringify(c.rule)} (give "rule" as the pattern is written, variables unexpanded)`;
      }
    }
    return result;
  });
}

/**
 * Loads one test file and its policy and runs it. A file that does not load,
 * or whose policy does not, gives `errors` (the diagnostics, placed) and no cases.
 */
export function runTestFile(file: string, opts: LoadOptions, display: (file: string) => string = (f) => f, runsDir: string = DEFAULT_RUNS_DIR): TestFileResult {
  let loaded: LoadedTestFile;
  try {
    loaded = loadTestFile(file, opts.sys);
  } catch (error) {
    if (error instanceof PolicyError) return { file, cases: [], errors: [...error.diagnostics] };
    throw error;
  }
  let policy: ResolvedPolicy;
  let policyFiles: string[];
  try {
    const ref = policyRefOf(loaded, opts.sys);
    const result = loadPolicy(ref, opts);
    policy = result.policy;
    policyFiles = result.files.map((f) => f.source.file);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const at = loaded.json.locate(['policy']);
    const note: Diagnostic = {
      file,
      ...at,
      jsonPath: loaded.spec.policy === undefined ? '' : formatJsonPath(['policy']),
      level: 'error',
      message: 'the policy under test does not load (see the diagnostics with it): fix the policy, or name the right one with "policy"',
    };
    return { file, cases: [], errors: [note, ...error.diagnostics] };
  }
  return { file, policy: policy.name, policyFiles, cases: runCases(loaded, policy, opts.workspace, display, runsDir) };
}

export interface TestSummary {
  files: number;
  cases: number;
  passed: number;
  failed: number;
  /** Test files that did not load (or whose policy did not). */
  errors: number;
}

export function summarize(results: readonly TestFileResult[]): TestSummary {
  const cases = results.flatMap((r) => r.cases);
  const passed = cases.filter((c) => c.passed).length;
  return { files: results.length, cases: cases.length, passed, failed: cases.length - passed, errors: results.filter((r) => r.errors).length };
}

/** One line per failing case: `file:line:col: fail: <case>: expected ..., got ... by <rule> at file:line:col: <reason>`. */
export function formatFailures(results: readonly TestFileResult[], display: (file: string) => string = (f) => f): string[] {
  return results.flatMap((r) =>
    r.cases
      .filter((c) => !c.passed)
      .map((c) => `${display(r.file)}:${c.line}:${c.column}: fail: ${c.label === c.what ? c.what : `${c.label} (${c.what})`}: ${c.message}`),
  );
}

export function formatSummary(s: TestSummary): string {
  const errors = s.errors > 0 ? `, ${s.errors} file(s) did not load` : '';
  return `policy test: ${s.files} file(s), ${s.cases} case(s): ${s.passed} passed, ${s.failed} failed${errors}`;
}
