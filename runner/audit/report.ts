/**
 * Builds audit.json from the batch and the audit, and writes the three
 * reports atomically (temp file + rename); appends audit.md to
 * $GITHUB_STEP_SUMMARY when that is set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXIT } from '../../policies/errors.js';
import type { BatchResult } from '../batch/execute.js';
import type { SleeveResult } from '../batch/types.js';
import type { AuditOutcome } from './auditor.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { decode } from './scan.js';
import { AUDIT_VERSION, type AuditReport, auditReportSchema } from './schema.js';

export interface ReportContext {
  batchId: string;
  toolVersion: string;
  ignore: readonly string[];
  protect: readonly string[];
}

export function verdictOf(results: readonly SleeveResult[], violations: number): { verdict: AuditReport['verdict']; exitCode: number } {
  if (violations > 0 || results.some((r) => r.denials.length > 0)) return { verdict: 'violations', exitCode: EXIT.denied };
  if (results.some((r) => r.status !== 'ok')) return { verdict: 'failed', exitCode: EXIT.sleeveFailed };
  return { verdict: 'clean', exitCode: EXIT.ok };
}

export function buildAuditReport(batch: BatchResult, audit: AuditOutcome | undefined, ctx: ReportContext): AuditReport {
  const { verdict, exitCode } = verdictOf(batch.results, audit?.violations.length ?? 0);
  // One pass over the manifest: the files of each run dir (logs excluded), at most 1000 each.
  const artifacts = new Map<string, Array<{ path: string; size: number }>>();
  const runRel = (r: SleeveResult) => path.relative(batch.workspace, r.runDir).split(path.sep).join('/');
  for (const r of batch.results) artifacts.set(runRel(r), []);
  if (audit) {
    for (const [p, rec] of audit.after.entries) {
      const m = /^(runs\/[^/]+)\/(.+)$/.exec(p);
      if (!m) continue;
      const list = artifacts.get(m[1] as string);
      if (!list || (m[2] as string).startsWith('logs/') || list.length >= 1000) continue;
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
    interrupted: batch.interrupted,
    sleeves: batch.results.map((r) => ({
      name: r.name,
      kind: r.kind,
      runId: r.runId,
      runDir: r.runDir,
      policy: r.policy,
      layers: audit ? [...r.layers, 'auditor'] : r.layers,
      status: r.status,
      exitCode: r.exitCode,
      signal: r.signal,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
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
      })),
      writes: r.writes.length,
      artifacts: artifactsOf(r),
      logs: r.logs,
      ...(r.error ? { error: r.error } : {}),
    })),
    violations: audit?.violations ?? [],
    integrity: {
      filesChecked: audit?.filesChecked ?? 0,
      hashed: audit?.hashed ?? 0,
      changed: audit?.changed ?? 0,
      unaccounted: audit?.violations.length ?? 0,
      watcherEvents: audit?.watcherEvents ?? 0,
      watcherOverflow: audit?.watcherOverflow ?? false,
      ignored: [...ctx.ignore],
      protected: [...ctx.protect],
    },
  };
  // The report must satisfy its own published schema: fail loudly here, not in CI.
  return auditReportSchema.parse(report);
}

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

export interface WrittenReports {
  json: string;
  markdown: string;
  junit: string;
}

export function writeReports(dir: string, report: AuditReport, env: NodeJS.ProcessEnv): WrittenReports {
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, 'audit.json'), markdown: path.join(dir, 'audit.md'), junit: path.join(dir, 'junit.xml') };
  const md = renderMarkdown(report);
  writeAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(files.markdown, md);
  writeAtomic(files.junit, renderJunit(report));
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      fs.appendFileSync(env.GITHUB_STEP_SUMMARY, md);
    } catch {
      // a summary we cannot append to is not a reason to lose the reports
    }
  }
  return files;
}
