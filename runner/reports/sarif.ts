/**
 * SARIF 2.1.0 (the OASIS Static Analysis Results Interchange Format) for
 * `policy lint` and for the audit, so GitHub code scanning shows lint
 * findings, denials, violations and failed sleeves inline. Pure: data in, a
 * SARIF log out; the commands print or write it.
 *
 * One run per log, tool.driver `sleeve-sandbox` with its version and every
 * rule it can report (stable ids: scanners key alerts on them). Files are
 * named relative to the report root (locate.ts) with uriBaseId `%SRCROOT%`;
 * a file outside it keeps its absolute `file:` URI rather than a made-up
 * relative one. Untrusted text (paths, reasons, log lines) has its control
 * and bidi characters made visible (escape.ts), as in every other report.
 *
 * The audit log never says more than was proven: a batch whose proof is
 * incomplete (auditor off, weakened, still running, runner error) carries a
 * `proof-incomplete` result and a run-level notification saying so, so an
 * empty list of alerts is never mistaken for a clean audit.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type * as Sarif from 'sarif';
import type { Diagnostic } from '../../policies/errors.js';
import { LINT_RULES } from '../../policies/lint.js';
import type { AuditReport } from '../audit/schema.js';
import { escapeControl } from '../escape.js';
import { AUDIT_RULES, auditFindings, proofGaps } from './findings.js';
import { type Place, relativeToRoot } from './locate.js';

export const SARIF_VERSION = '2.1.0';
/** The OASIS schema of SARIF 2.1.0 (errata 01), named in each log's `$schema`. */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const TOOL_NAME = 'sleeve-sandbox';
const SRCROOT = '%SRCROOT%';

/** The rule of a policy file that does not load (JSON syntax, schema, a broken `extends`). */
export const POLICY_ERROR_RULE = 'policy-error';

export const LINT_SARIF_RULES: Readonly<Record<string, string>> = Object.freeze({
  ...LINT_RULES,
  [POLICY_ERROR_RULE]: 'the policy file does not load (JSON syntax, the policy schema, or a broken extends): nothing runs under it',
});

type Level = 'error' | 'warning' | 'note';

function rulesOf(table: Readonly<Record<string, string>>, level: (id: string) => Level): Sarif.ReportingDescriptor[] {
  return Object.entries(table).map(([id, text]) => ({ id, shortDescription: { text }, defaultConfiguration: { level: level(id) } }));
}

/** A relative path as a URI reference: each segment percent-encoded (spaces, `%`, `#`, `?`). */
function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

export function sarifLocation(place: Place, root: string): Sarif.Location {
  const rel = relativeToRoot(root, place.file);
  const artifactLocation: Sarif.ArtifactLocation =
    rel !== undefined ? { uri: encodePath(rel), uriBaseId: SRCROOT } : { uri: pathToFileURL(path.resolve(root, place.file)).href };
  const physicalLocation: Sarif.PhysicalLocation = { artifactLocation };
  if (place.line !== undefined && place.line >= 1) {
    physicalLocation.region = { startLine: place.line, ...(place.column !== undefined && place.column >= 1 ? { startColumn: place.column } : {}) };
  }
  return { physicalLocation };
}

function sarifRun(o: {
  version: string;
  rules: Sarif.ReportingDescriptor[];
  root: string;
  category: string;
  results: Sarif.Result[];
  invocation: Sarif.Invocation;
  properties?: Record<string, unknown>;
}): Sarif.Log {
  const index = new Map(o.rules.map((r, i) => [r.id, i]));
  const results = o.results.map((r) => ({ ...r, ruleIndex: index.get(r.ruleId as string) }));
  const run: Sarif.Run = {
    tool: { driver: { name: TOOL_NAME, version: o.version, rules: o.rules } },
    automationDetails: { id: o.category },
    originalUriBaseIds: { [SRCROOT]: { uri: `${pathToFileURL(o.root).href.replace(/\/$/, '')}/` } },
    invocations: [o.invocation],
    results,
    ...(o.properties ? { properties: o.properties } : {}),
  };
  return { $schema: SARIF_SCHEMA_URI, version: SARIF_VERSION, runs: [run] };
}

/** A lint finding or load error; lint warnings carry their rule id, load errors none. */
export type LintFinding = Diagnostic & { rule?: string };

/** The SARIF log of `policy lint`: one result per finding, at its file, line and column. */
export function lintSarif(findings: readonly LintFinding[], o: { root: string; toolVersion: string }): Sarif.Log {
  const results: Sarif.Result[] = findings.map((d) => {
    const ruleId = d.rule !== undefined && d.rule in LINT_SARIF_RULES ? d.rule : POLICY_ERROR_RULE;
    const where = d.jsonPath ? `${d.jsonPath}: ` : '';
    return {
      ruleId,
      level: d.level,
      message: { text: escapeControl(`${where}${d.message}`) },
      locations: [sarifLocation({ file: d.file, line: d.line, column: d.column }, o.root)],
    };
  });
  const errors = findings.filter((d) => d.level === 'error').length;
  return sarifRun({
    version: o.toolVersion,
    rules: rulesOf(LINT_SARIF_RULES, (id) => (id === POLICY_ERROR_RULE ? 'error' : 'warning')),
    root: o.root,
    category: 'sleeve-sandbox/policy-lint/',
    results,
    invocation: { executionSuccessful: errors === 0 },
  });
}

/**
 * The SARIF log of a batch's audit report (findings.ts). Each result's
 * location is its first place under the root (code scanning shows only
 * those), else its first place at all; the other places are its related
 * locations (a rule in a built-in policy outside the repository keeps its
 * absolute URI there). The proof's gaps are also run-level notifications.
 */
export function auditSarif(r: AuditReport, o: { root: string }): Sarif.Log {
  const results: Sarif.Result[] = auditFindings(r).map((f) => {
    const best = f.places.find((p) => relativeToRoot(o.root, p.file) !== undefined) ?? f.places[0];
    const others = f.places.filter((p) => p !== best);
    return {
      ruleId: f.ruleId,
      level: f.level,
      message: { text: [f.message, ...f.detail.map((l) => `  | ${l}`)].join('\n') },
      ...(best ? { locations: [sarifLocation(best, o.root)] } : {}),
      ...(others.length > 0 ? { relatedLocations: others.map((p, i) => ({ ...sarifLocation(p, o.root), id: i + 1 })) } : {}),
      properties: f.properties,
    };
  });
  const gaps = proofGaps(r);
  const notifications: Sarif.Notification[] = gaps.map((g) => ({
    level: r.verdict === 'error' ? 'error' : 'warning',
    message: { text: `not proven: ${escapeControl(g)}` },
  }));
  const finished = r.verdict !== 'running';
  return sarifRun({
    version: r.tool.version,
    rules: rulesOf(AUDIT_RULES, (id) => (id === 'proof-incomplete' ? 'warning' : 'error')),
    root: o.root,
    category: `sleeve-sandbox/audit/${r.batchId}`,
    results,
    invocation: {
      executionSuccessful: finished && r.verdict !== 'error',
      startTimeUtc: r.startedAt,
      ...(finished ? { endTimeUtc: r.endedAt } : {}),
      ...(r.exitCode !== null ? { exitCode: r.exitCode } : {}),
      ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
    },
    properties: { verdict: r.verdict, exitCode: r.exitCode, batchId: r.batchId, proven: gaps.length === 0 },
  });
}
