/**
 * Report fixtures for the renderers tested in process (audit.md, JUnit,
 * GitHub annotations): an AuditReport and its SleeveReports exactly as the
 * schema types them, a clean "ok" sleeve and a batch marked "violations" with
 * none listed, for each test to change what it is about.
 */
import type { AuditReport, SleeveReport } from '../../runner/audit/schema.js';

/** An "ok" sleeve whose run dir is `<workspace>/runs/<name>_1`. */
export function sleeveReport(name: string, over: Partial<SleeveReport> = {}, workspace = '/ws'): SleeveReport {
  const runDir = `${workspace}/runs/${name}_1`;
  return {
    name,
    kind: 'sleeve',
    runId: `${name}_1`,
    runDir,
    policy: 'strict',
    layers: ['fs-guard'],
    status: 'ok',
    exitCode: 0,
    signal: null,
    startedAt: '2026-12-01T10:00:00.000Z',
    durationMs: 10,
    peakRssKiB: null,
    cpuMs: null,
    denials: [],
    writes: 0,
    artifacts: [],
    logs: { stdout: `${runDir}/logs/stdout.log`, stderr: `${runDir}/logs/stderr.log`, truncated: false },
    ...over,
  };
}

/** A batch `batch_1` in the workspace /ws of these sleeves (`over` replaces whole fields). */
export function auditReport(sleeves: SleeveReport[], over: Partial<AuditReport> = {}): AuditReport {
  return {
    version: 2,
    tool: { name: 'sleeve-sandbox', version: '0.1.0' },
    batchId: 'batch_1',
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: '2026-12-01T10:00:01.000Z',
    workspace: '/ws',
    nodeVersion: 'v20.0.0',
    verdict: 'violations',
    exitCode: 3,
    weakened: [],
    interrupted: null,
    sleeves,
    violations: [],
    integrity: {
      filesChecked: 1,
      hashed: 1,
      changed: 0,
      unaccounted: 0,
      watcherEvents: 0,
      watcherOverflow: false,
      audited: true,
      excluded: [],
      boundsHit: [],
      ignored: [],
      protected: [],
    },
    ...over,
  };
}
