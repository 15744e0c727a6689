/**
 * Shared plumbing of the fault tests: the real bin as a child process, real
 * temp workspaces, and the three checks every fault test makes afterwards:
 * no sleeve process outlived the batch (each sleeve writes its pid into its
 * run dir first), the innocent sleeves ended "ok" with their outputs, and the
 * report is there and valid (the zod schema and `audit verify`).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type AuditReport, auditReportSchema } from '../../runner/audit/schema.js';
import { killSleeves, waitForNoSleeves } from '../helpers/procs.js';
import { assertValidSarif } from '../helpers/sarif.js';
import { listTree, makeTempDir, makeWorkspace, writeTree } from '../helpers/tmp.js';
import { binPath, childEnv, collect as collectRun, type Run as CliRun, repoRoot, show as showCli, startBin as startCli } from '../helpers/cli.js';

export { binPath, listTree, repoRoot };

export interface SleeveSummary {
  name: string;
  runId: string;
  runDir: string;
  status: string;
  display: string;
  exitCode: number | null;
  signal: string | null;
  denials: unknown[];
  writesCount: number;
  logs: { stdout: string; stderr: string; truncated: boolean };
  error?: string;
}

export interface Summary {
  version: number;
  workspace: string;
  interrupted: string | null;
  exitCode: number;
  sleeves: SleeveSummary[];
  verdict: string;
  violations: Array<{ path: string; change: string; suspects: string[]; why: string }>;
  reports: { json: string; markdown: string; junit: string; sarif: string };
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export { childEnv };

/** The one helper's collect, with this suite's field name (`status`) and argument order. */
export async function collect(child: ChildProcess, started: number, limitMs = 60_000): Promise<Run> {
  const r = await collectRun(child, limitMs, started);
  return { status: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
}

/** Each workspace's private TMPDIR for the runner (outside the workspace): where its build cache goes. */
const runnerTmps = new Map<string, string>();

export function runnerTmp(ws: string): string {
  const tmp = runnerTmps.get(ws);
  assert.ok(tmp, `${ws} was not made by workspace()`);
  return tmp;
}

/**
 * The bin with `args`, run in `cwd` (a workspace: the runner gets its private
 * TMPDIR); `shellPrefix` runs it through `sh -c '<prefix>; exec node bin ...'`
 * (e.g. a ulimit).
 */
export function startBin(args: string[], cwd: string, shellPrefix?: string): ChildProcess {
  const tmp = runnerTmps.get(cwd);
  return startCli(args, cwd, childEnv(tmp ? { TMPDIR: tmp } : {}), shellPrefix === undefined ? {} : { shellPrefix });
}

export function runBin(args: string[], cwd: string, shellPrefix?: string): Promise<Run> {
  const started = Date.now();
  return collect(startBin(args, cwd, shellPrefix), started);
}

/** The runner removed its temporary build cache (sleeve-sandbox-build-*) from its TMPDIR. */
export function assertNoTempLeftovers(ws: string): void {
  assert.deepEqual(fs.readdirSync(runnerTmp(ws)), [], `left in the runner's TMPDIR ${runnerTmp(ws)}`);
}

/** Either shape: this suite's (`status`) or the one helper's (`code`). */
export function show(run: Run | CliRun): string {
  return showCli('code' in run ? run : { ...run, code: run.status });
}

export function parseSummary(run: Run | CliRun): Summary {
  try {
    return JSON.parse(run.stdout) as Summary;
  } catch (error) {
    assert.fail(`stdout is not a JSON summary (${(error as Error).message})\n${show(run)}`);
  }
}

/** `run --policy strict --workspace ws --json ...args` from inside the workspace. */
export function strictRunArgs(ws: string, args: string[]): string[] {
  return ['run', '--policy', 'strict', '--workspace', ws, '--json', ...args];
}

export function sleeveOf(summary: Summary, name: string): SleeveSummary {
  const s = summary.sleeves.find((x) => x.name === name);
  assert.ok(s, `no sleeve ${name} in the summary: ${JSON.stringify(summary.sleeves.map((x) => x.name))}`);
  return s;
}

export function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

export const manifest = (sleeves: Array<Record<string, unknown>>) => JSON.stringify({ version: 1, sleeves }, null, 2);

/** First lines of every test sleeve: its pid in its run dir, before anything else. */
export const PID_PRELUDE = [
  "import fs from 'node:fs';",
  "import path from 'node:path';",
  'const runDir = process.env.SLEEVE_RUN_DIR;',
  "fs.writeFileSync(path.join(runDir, 'pid'), String(process.pid));",
];

/**
 * An innocent sleeve: writes its pid and out.json (with its name), then
 * lingers argv[2] ms (so that it is alive while a fault happens; it writes
 * nothing more, so a disk filled meanwhile does not touch it) and exits 0.
 */
export const FINE_SLEEVE = lines(
  ...PID_PRELUDE,
  "fs.writeFileSync(path.join(runDir, 'out.json'), JSON.stringify({ name: process.env.SLEEVE_NAME }));",
  'const linger = Number(process.argv[2] ?? 0);',
  'if (linger > 0) await new Promise((r) => setTimeout(r, linger));',
);

/** A realpath'd workspace (lakehouse, runs/) with `files`, and its runner's private TMPDIR; both removed by the cleanups. */
export function workspace(cleanups: Array<() => void>, files: Record<string, string> = {}): string {
  const tmp = makeWorkspace();
  const runnerTmpDir = makeTempDir('sleeve-faults-tmp-');
  cleanups.push(tmp.cleanup, runnerTmpDir.cleanup);
  runnerTmps.set(tmp.dir, runnerTmpDir.dir);
  writeTree(tmp.dir, files);
  return tmp.dir;
}

/** Every `runs/<id>/pid` written by a sleeve of this workspace. */
export function sleevePids(ws: string): Array<{ runId: string; pid: number }> {
  const runs = path.join(ws, 'runs');
  const out: Array<{ runId: string; pid: number }> = [];
  for (const id of fs.existsSync(runs) ? fs.readdirSync(runs) : []) {
    const file = path.join(runs, id, 'pid');
    if (!fs.existsSync(file)) continue;
    const pid = Number(fs.readFileSync(file, 'utf8'));
    assert.ok(Number.isInteger(pid) && pid > 0, `bad pid ${JSON.stringify(fs.readFileSync(file, 'utf8'))} in ${file}`);
    out.push({ runId: id, pid });
  }
  return out;
}

/**
 * After the runner exited: no sleeve process is left. The pid files count the
 * sleeves that started; the survivors are looked up in the host's /proc by
 * their environment (a sleeve's own pid is its pid in its namespace). A short
 * wait only absorbs the OS reaping; the runner has already waited for its
 * children, so a survivor is an orphan.
 */
export async function assertNoOrphans(ws: string, expectPids: number): Promise<void> {
  const pids = sleevePids(ws);
  assert.equal(pids.length, expectPids, `pid files found: ${JSON.stringify(pids)}`);
  const left = await waitForNoSleeves(ws, 1500);
  assert.deepEqual(left, [], `sleeve process(es) outlived the runner: ${JSON.stringify(left)}`);
}

/** Kills (SIGKILL) whatever sleeve of `ws` is still alive: the cleanup after a runner that orphaned them. */
export function killLeftovers(ws: string): void {
  killSleeves(ws);
}

/** An innocent sleeve ended "ok" (exit 0, no signal, no denial) and its output is on disk. */
export function assertUnaffected(summary: Summary, name: string): void {
  const s = sleeveOf(summary, name);
  assert.equal(s.status, 'ok', `${name}: ${JSON.stringify(s)}`);
  assert.equal(s.exitCode, 0);
  assert.deepEqual(s.denials, []);
  assert.equal(s.signal, null);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(s.runDir, 'out.json'), 'utf8')), { name });
}

/**
 * The report of a batch: the four files exist in their own directory,
 * audit.sarif is valid SARIF 2.1.0, audit.json passes the published zod schema, agrees with the summary, and
 * `audit verify` accepts it (0/1/3, never 2) with the batch's exit code.
 */
export async function assertValidReport(summary: Summary, ws: string): Promise<AuditReport> {
  const { json, markdown, junit, sarif } = summary.reports;
  for (const f of [json, markdown, junit, sarif]) assert.ok(fs.existsSync(f), `${f} is missing`);
  const dir = path.dirname(json);
  assert.equal(path.dirname(dir), path.join(ws, 'reports'), `reports are not in <workspace>/reports/<batchId>/: ${dir}`);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['audit.json', 'audit.md', 'audit.sarif', 'junit.xml'], 'only the four reports, no temp file left behind');
  assertValidSarif(JSON.parse(fs.readFileSync(sarif, 'utf8')), sarif);
  const parsed = auditReportSchema.safeParse(JSON.parse(fs.readFileSync(json, 'utf8')));
  assert.ok(parsed.success, `audit.json does not pass the schema: ${parsed.success ? '' : parsed.error.message}`);
  const report = parsed.data;
  assert.equal(report.batchId, path.basename(dir));
  assert.equal(report.exitCode, summary.exitCode);
  assert.equal(report.verdict, summary.verdict);
  assert.deepEqual(
    report.sleeves.map((s) => [s.name, s.runId, s.status]),
    summary.sleeves.map((s) => [s.name, s.runId, s.status]),
  );
  const verify = await runBin(['audit', 'verify', json], ws);
  assert.notEqual(verify.status, 2, `audit verify calls the report invalid\n${show(verify)}`);
  assert.equal(verify.status, summary.exitCode, show(verify));
  return report;
}
