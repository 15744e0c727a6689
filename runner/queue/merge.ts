/**
 * One report for a batch run on workers: the submitter's own report (its
 * prepare steps, its own audit of its workspace) with each worker's audit of
 * its replica folded in. Pure.
 *
 * - Each remote sleeve's entry takes its worker's layers and artifacts (the
 *   submitter's auditor never saw those files: they land after it finished).
 * - A worker's violations join the report's, their `why` naming the worker;
 *   its weakened reasons join the report's the same way; a worker that did not
 *   audit (or whose audit ended in error) weakens the proof.
 * - A run dir that could not be written here fails its sleeve.
 * - The verdict and exit code are decided again by the one rule (verdict.ts)
 *   over the merged facts.
 * - `workers`: one record per job: the worker, the sleeve, its verdict there,
 *   the replica's fingerprint, the attempts, the zip.
 */
import type { AuditReport } from '../audit/schema.js';
import { decideVerdict } from '../audit/verdict.js';
import type { JobResult } from './wire.js';

export interface RemoteRecord {
  sleeve: string;
  runId: string;
  jobId: string;
  /** Absent when the job failed on the queue (refused, or lost). */
  result: JobResult | undefined;
  attempts: number;
  stalled: number;
  error?: string;
}

export interface MergeInput {
  /** The Redis URL as shown (password redacted). */
  target: string;
  records: readonly RemoteRecord[];
}

export function mergeRemote(report: AuditReport, m: MergeInput): AuditReport {
  const byName = new Map(m.records.map((r) => [r.sleeve, r]));
  const violations = [...report.violations];
  const weakened = [...report.weakened];
  let audited = report.integrity.audited;
  const sleeves = report.sleeves.map((entry) => {
    const rec = byName.get(entry.name);
    let out = entry;
    if (rec?.result) {
      const r = rec.result;
      const w = r.worker.id;
      out = { ...out, layers: r.audit.sleeve.layers, artifacts: r.audit.sleeve.artifacts, writes: r.audit.sleeve.writes };
      for (const v of r.audit.violations) violations.push({ ...v, why: `on worker ${w}: ${v.why}` });
      for (const x of r.audit.weakened) weakened.push(`worker ${w} (${entry.name}): ${x}`);
      if (r.audit.verdict === 'unaudited') audited = false;
      if (r.audit.verdict === 'error') weakened.push(`worker ${w} (${entry.name}): its audit ended in error`);
    }
    return out;
  });
  const { verdict, exitCode } = decideVerdict({
    sleeves: sleeves.map((s) => ({ status: s.status, denials: s.denials.length })),
    violations: violations.length,
    audited,
    weakened,
  });
  const workers = m.records.map((rec) => ({
    worker: rec.result?.worker.id ?? null,
    host: rec.result?.worker.host ?? null,
    sleeve: rec.sleeve,
    runId: rec.runId,
    jobId: rec.jobId,
    verdict: rec.result ? rec.result.audit.verdict : 'refused',
    fingerprint: rec.result?.fingerprint ?? null,
    attempts: rec.attempts,
    stalled: rec.stalled,
    zip: rec.result?.zip ? { sha256: rec.result.zip.sha256, size: rec.result.zip.size } : null,
    ...(rec.error ? { error: rec.error } : {}),
  }));
  // A verdict already worse than what the facts give (error) stays.
  const keep = report.verdict === 'error';
  return {
    ...report,
    verdict: keep ? report.verdict : verdict,
    exitCode: keep ? report.exitCode : exitCode,
    weakened,
    violations,
    sleeves,
    integrity: { ...report.integrity, audited },
    workers,
  };
}
