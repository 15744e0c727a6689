/**
 * Builds audit.json from the batch and the audit, and writes the four
 * reports (audit.json, audit.md, junit.xml, audit.sarif) atomically (temp
 * file + rename); appends audit.md to
 * $GITHUB_STEP_SUMMARY when that is set.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BatchResult } from '../batch/execute.js';
import type { SleeveResult } from '../batch/types.js';
import { ruleOrigin } from '../../policies/denial.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import type { AuditOutcome } from './auditor.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { reportRoot } from '../reports/locate.js';
import { auditSarif } from '../reports/sarif.js';
import { decode } from './scan.js';
import { AUDIT_VERSION, type AuditReport, type ExportReport, type PolicySourceReport, auditReportSchema } from './schema.js';
import { VERDICT_EXIT, decideVerdict } from './verdict.js';

export interface ReportContext {
  batchId: string;
  toolVersion: string;
  ignore: readonly string[];
  protect: readonly string[];
  /** Everything left out of the auditor's scope (see weakenedBy for what that costs the proof). */
  excluded: readonly string[];
  /** Why the runner's own settings weakened the proof (an ignored protected zone, --no-hash). */
  weakened: readonly string[];
  /** Where each sleeve's policy came from, in the order of the batch's results. */
  policySources: readonly (PolicySourceReport | undefined)[];
  /** Per sleeve, in the same order: the parent variables that looked relevant and its policy did not pass (names only). */
  envDropped?: readonly (readonly string[] | undefined)[];
  /** Per sleeve, in the same order: its entry (absolute) and its policy, to locate each denial at the rule that decided it. */
  steps?: readonly ({ entry: string; policy: ResolvedPolicy } | undefined)[];
  /** The scheduler's pool and the --concurrency bound. */
  pool?: { cpus: number; memoryMiB: number; concurrency: number };
  /** --export: what was written (after the audit). */
  export?: ExportReport;
}

/** The verdict of a finished batch: one rule (verdict.ts), over what the report will say. */
export function verdictOf(
  results: readonly SleeveResult[],
  violations: number,
  audited = true,
  weakened: readonly string[] = [],
): { verdict: AuditReport['verdict']; exitCode: number } {
  return decideVerdict({ sleeves: results.map((r) => ({ status: r.status, denials: r.denials.length })), violations, audited, weakened });
}

/** What the sleeves' channels cost the proof: reports dropped past a cap. */
export function channelWeakening(results: readonly SleeveResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const { denials, writes } = r.channel.dropped;
    if (writes > 0) out.push(`sleeve ${r.name}: ${writes} write report(s) dropped past the channel cap, so its writes are not all accounted for`);
    if (denials > 0) out.push(`sleeve ${r.name}: ${denials} denial report(s) dropped past the channel cap, so not every denial is itemised`);
  }
  return out;
}

function originOf(policy: ResolvedPolicy | undefined, rule: string): { origin?: { file: string; line: number; column: number; jsonPath: string } } {
  const o = policy ? ruleOrigin(policy, rule) : undefined;
  return o ? { origin: { file: o.file, line: o.line, column: o.column, jsonPath: o.jsonPath } } : {};
}

export function buildAuditReport(batch: BatchResult, audit: AuditOutcome | undefined, ctx: ReportContext): AuditReport {
  const weakened = [...ctx.weakened, ...channelWeakening(batch.results), ...(audit?.unreadable ?? [])];
  const { verdict, exitCode } = verdictOf(batch.results, audit?.violations.length ?? 0, audit !== undefined, weakened);
  // One pass over the manifest: the files of each run dir (logs excluded), at most 1000 each.
  const artifacts = new Map<string, Array<{ path: string; size: number }>>();
  const runRel = (r: SleeveResult) => path.relative(batch.workspace, r.runDir).split(path.sep).join('/');
  for (const r of batch.results) artifacts.set(runRel(r), []);
  // The run roots of this batch (one: <runsDir>), each with "/".
  const roots = [...new Set([...artifacts.keys()].map((k) => `${path.posix.dirname(k)}/`))];
  if (audit) {
    for (const [p, rec] of audit.after.entries) {
      const root = roots.find((r) => p.startsWith(r));
      if (root === undefined) continue;
      const slash = p.indexOf('/', root.length);
      if (slash < 0) continue;
      const list = artifacts.get(p.slice(0, slash));
      const inRun = p.slice(slash + 1);
      if (!list || inRun === '' || inRun.startsWith('logs/') || list.length >= 1000) continue;
      const a = decode(rec);
      if (a.type === 'file') list.push({ path: p, size: Number(a.size) });
    }
  }
  const artifactsOf = (r: SleeveResult) => artifacts.get(runRel(r)) ?? [];
  const report: AuditReport = {
    version: AUDIT_VERSION,
    tool: { name: 'sleeve-sandbox', version: ctx.toolVersion },
    batchId: ctx.batchId,
    startedAt: batch.startedAt,
    endedAt: batch.endedAt,
    workspace: batch.workspace,
    nodeVersion: process.version,
    verdict,
    exitCode,
    weakened,
    interrupted: batch.interrupted,
    sleeves: batch.results.map((r, i) => ({
      name: r.name,
      kind: r.kind,
      runId: r.runId,
      runDir: r.runDir,
      policy: r.policy,
      ...(ctx.steps?.[i] ? { entry: ctx.steps[i].entry } : {}),
      ...(ctx.policySources[i] ? { policySource: ctx.policySources[i] } : {}),
      ...(ctx.envDropped?.[i]?.length ? { envDropped: [...(ctx.envDropped[i] as readonly string[])] } : {}),
      layers: audit ? [...r.layers, 'auditor'] : r.layers,
      status: r.status,
      exitCode: r.exitCode,
      signal: r.signal,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
      ...(r.start ? { start: { ...r.start } } : {}),
      peakRssKiB: r.usage?.maxRssKiB ?? null,
      cpuMs: r.usage ? r.usage.cpuUserMs + r.usage.cpuSystemMs : null,
      mode: r.mode,
      ...(r.command ? { command: r.command } : {}),
      ...(r.os ? { os: r.os } : {}),
      ...(r.isolate ? { isolate: r.isolate } : {}),
      denials: r.denials.map((d) => ({
        op: d.op,
        syscall: d.syscall,
        path: d.path,
        ...(d.resolved === undefined ? {} : { resolved: d.resolved }),
        rule: d.rule,
        reason: d.reason,
        time: new Date(d.at).toISOString(),
        count: d.count,
        ...originOf(ctx.steps?.[i]?.policy, d.rule),
      })),
      writes: r.writes.length,
      artifacts: artifactsOf(r),
      logs: r.logs,
      ...(r.stderrTail ? { stderrTail: [...r.stderrTail] } : {}),
      ...(r.startedAt === null ? {} : { channel: { accepted: r.channel.accepted, dropped: { ...r.channel.dropped }, fault: r.channel.fault } }),
      ...(r.schedule ? { schedule: { ...r.schedule } } : {}),
      ...(r.error ? { error: r.error } : {}),
    })),
    ...(ctx.pool ? { pool: { ...ctx.pool } } : {}),
    ...(ctx.export ? { export: ctx.export } : {}),
    violations: audit?.violations ?? [],
    integrity: {
      filesChecked: audit?.filesChecked ?? 0,
      hashed: audit?.hashed ?? 0,
      changed: audit?.changed ?? 0,
      unaccounted: audit?.violations.length ?? 0,
      watcherEvents: audit?.watcherEvents ?? 0,
      watcherOverflow: audit?.watcherOverflow ?? false,
      audited: audit !== undefined,
      excluded: [...ctx.excluded],
      boundsHit: audit?.boundsHit ?? [],
      ignored: [...ctx.ignore],
      protected: [...ctx.protect],
    },
  };
  // The report must satisfy its own published schema: fail loudly here, not in CI.
  return auditReportSchema.parse(report);
}

/**
 * Replaces `file` atomically: a temp file of a random name created exclusively
 * (never through a link someone placed), flushed, then renamed over the old.
 */
function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface WrittenReports {
  json: string;
  markdown: string;
  junit: string;
  sarif: string;
}

export function reportFiles(dir: string): WrittenReports {
  return { json: path.join(dir, 'audit.json'), markdown: path.join(dir, 'audit.md'), junit: path.join(dir, 'junit.xml'), sarif: path.join(dir, 'audit.sarif') };
}

/** The early audit.json (verdict `running`): written before the first sleeve starts, replaced at the end. */
export function writeRunningReport(dir: string, report: AuditReport): void {
  writeAtomic(reportFiles(dir).json, `${JSON.stringify(auditReportSchema.parse(report), null, 2)}\n`);
}

/**
 * The four reports; the directory was made (and checked) by the runner before the batch (report-dir.ts).
 * audit.sarif names files relative to `root` (the repository root: GITHUB_WORKSPACE, else the current directory).
 */
export function writeReports(dir: string, report: AuditReport, env: NodeJS.ProcessEnv, root: string = reportRoot(env, process.cwd())): WrittenReports {
  const files = reportFiles(dir);
  const md = renderMarkdown(report);
  // audit.json last: it is what says the batch is over.
  writeAtomic(files.markdown, md);
  writeAtomic(files.junit, renderJunit(report));
  writeAtomic(files.sarif, `${JSON.stringify(auditSarif(report, { root }), null, 2)}\n`);
  writeAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      fs.appendFileSync(env.GITHUB_STEP_SUMMARY, md);
    } catch {
      // a summary we cannot append to is not a reason to lose the reports
    }
  }
  return files;
}

/**
 * The report of a runner that failed inside: minimal and valid, verdict
 * `error`, exit 70. It claims nothing about the sleeves (what it knew of them
 * may be what broke it); the terminal summary still lists every denial seen.
 */
export function errorReport(ctx: ReportContext, workspace: string, error: unknown, startedAt: string): AuditReport {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return auditReportSchema.parse({
    version: AUDIT_VERSION,
    tool: { name: 'sleeve-sandbox', version: ctx.toolVersion },
    batchId: ctx.batchId,
    startedAt,
    endedAt: new Date().toISOString(),
    workspace,
    nodeVersion: process.version,
    verdict: 'error',
    exitCode: VERDICT_EXIT.error,
    weakened: [],
    error: message.slice(0, 4096),
    interrupted: null,
    sleeves: [],
    violations: [],
    integrity: {
      filesChecked: 0,
      hashed: 0,
      changed: 0,
      unaccounted: 0,
      watcherEvents: 0,
      watcherOverflow: false,
      audited: false,
      excluded: [...ctx.excluded],
      boundsHit: [],
      ignored: [...ctx.ignore],
      protected: [...ctx.protect],
    },
  } satisfies AuditReport);
}

/**
 * Builds the final report and writes it; when building or writing fails,
 * writes the error report instead (never nothing). The caller prints the
 * summary from whichever report was written.
 */
export async function writeFinalReports(o: {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** What audit.sarif names files relative to (default: GITHUB_WORKSPACE, else the current directory). */
  root?: string;
  build: () => Promise<AuditReport>;
  fallback: (error: unknown) => AuditReport;
}): Promise<{ report: AuditReport; files: WrittenReports; error?: unknown }> {
  try {
    const report = await o.build();
    return { report, files: writeReports(o.dir, report, o.env, o.root) };
  } catch (error) {
    const report = o.fallback(error);
    return { report, files: writeReports(o.dir, report, o.env, o.root), error };
  }
}
