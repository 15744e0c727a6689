/**
 * What an audit report has to say to a code reviewer, as a flat list of
 * findings with stable rule ids and places: each denial at the policy rule
 * that decided it (the `origin` the runner looked up) and the sleeve's entry,
 * each violation at the changed path, each failed sleeve at its entry, and
 * the proof's gaps (never an empty list for a batch that was not proven).
 * SARIF (sarif.ts) and GitHub annotations (github.ts) are two renderings of
 * this one list, so they cannot disagree. Pure.
 *
 * Untrusted text (paths, names, reasons, log lines) has its control and bidi
 * characters made visible here (escape.ts): renderers add only their own
 * encoding.
 */
import path from 'node:path';
import type { AuditReport, SleeveReport } from '../audit/schema.js';
import { escapeControl } from '../escape.js';
import type { Place } from './locate.js';

export const AUDIT_RULES = Object.freeze({
  'denied-read': 'a sleeve tried to read a path its policy does not allow',
  'denied-write': 'a sleeve tried to write a path its policy does not allow',
  'capability-denied': 'a sleeve tried to use a capability its policy does not allow (child processes, network, workers, addons, internals)',
  'channel-fault': "a sleeve's report channel carried a forged or torn message; the sleeve was stopped",
  violation: 'a change outside the permitted zones that no sleeve may have made',
  'sleeve-failed': 'a sleeve did not end ok (non-zero exit, crash, timeout, out of memory, interrupted, cancelled or skipped)',
  'proof-incomplete': 'the audit is not the full proof: the auditor was off, its proof was weakened, or the batch did not finish',
} as const);
export type AuditRuleId = keyof typeof AUDIT_RULES;

export interface Finding {
  ruleId: AuditRuleId;
  level: 'error' | 'warning';
  /** One line (untrusted parts escaped). */
  message: string;
  /** Further lines: a failed sleeve's stderr tail (escaped). */
  detail: string[];
  /** Where, best first: the deciding rule, then the sleeve entry; empty when nowhere. */
  places: Place[];
  /** The sleeve concerned, if one. */
  sleeve?: string;
  properties: Record<string, unknown>;
}

/** The rule id of a denial record: by its op, and the channel fault apart. */
export function denialRuleId(d: { op: string; rule: string }): AuditRuleId {
  if (d.rule === 'report-channel') return 'channel-fault';
  if (d.op === 'read') return 'denied-read';
  if (d.op === 'write') return 'denied-write';
  return 'capability-denied';
}

const NOT_ENDED = new Set(['ok', 'queued', 'running']);
/** Statuses that are not the sleeve's own failure but the batch's (an earlier step failed, an interrupt). */
const SET_ASIDE = new Set(['cancelled', 'skipped']);

/** The steps that ended, and not ok. */
export function failedSleeves(r: AuditReport): SleeveReport[] {
  return r.sleeves.filter((s) => !NOT_ENDED.has(s.status));
}

/** `failed (exit 1)`, `crashed (signal SIGSEGV)`, `skipped`. */
export function describeEnd(s: SleeveReport): string {
  const how = s.exitCode !== null ? ` (exit ${s.exitCode})` : s.signal !== null ? ` (signal ${s.signal})` : '';
  return `${s.status}${how}`;
}

/** Why this report is not the full proof, each reason in words; empty when it is. */
export function proofGaps(r: AuditReport): string[] {
  const out: string[] = [];
  if (r.verdict === 'running') out.push('the batch never finished (its runner died, or it is still running): nothing is proven');
  else if (r.verdict === 'error') out.push(`the runner failed inside${r.error ? ` (${r.error})` : ''}: the report claims nothing about the sleeves`);
  else if (!r.integrity.audited)
    out.push('the auditor was off (--no-audit): nothing was checked on disk, so changes outside the permitted zones are not listed');
  out.push(...r.weakened);
  return out;
}

export function auditFindings(r: AuditReport): Finding[] {
  const u = escapeControl;
  const out: Finding[] = [];
  const entryOf = (s: SleeveReport): Place[] => (s.entry ? [{ file: s.entry }] : []);
  for (const s of r.sleeves) {
    for (const d of s.denials) {
      const decided = d.origin ? ` at ${u(d.origin.jsonPath)}` : '';
      out.push({
        ruleId: denialRuleId(d),
        level: 'error',
        message: `${u(s.name)}: ${u(d.op)} denied: ${u(d.path)} (policy ${u(s.policy)}, ${u(d.rule)}${decided}: ${u(d.reason)})${d.count > 1 ? ` x${d.count}` : ''}`,
        detail: [],
        places: [...(d.origin ? [{ file: d.origin.file, line: d.origin.line, column: d.origin.column }] : []), ...entryOf(s)],
        sleeve: s.name,
        properties: { sleeve: s.name, runId: s.runId, op: d.op, path: d.path, rule: d.rule, count: d.count },
      });
    }
  }
  for (const v of r.violations) {
    const when = v.time ? `at ${v.time}` : 'time unknown';
    out.push({
      ruleId: 'violation',
      level: 'error',
      message: `${v.change} ${u(v.path)} (${when}; suspects: ${v.suspects.map(u).join(', ') || 'none'}): ${u(v.why)}`,
      detail: [],
      places: [{ file: path.join(r.workspace, v.path) }],
      properties: { path: v.path, change: v.change, suspects: v.suspects },
    });
  }
  for (const s of failedSleeves(r)) {
    out.push({
      ruleId: 'sleeve-failed',
      level: SET_ASIDE.has(s.status) ? 'warning' : 'error',
      message: `${u(s.name)} ${describeEnd(s)}${s.error ? `: ${u(s.error)}` : ''}; logs in ${u(s.logs.stderr)}`,
      detail: (s.stderrTail ?? []).map(u),
      places: entryOf(s),
      sleeve: s.name,
      properties: { sleeve: s.name, runId: s.runId, status: s.status, exitCode: s.exitCode, signal: s.signal },
    });
  }
  const gaps = proofGaps(r);
  if (gaps.length > 0) {
    out.push({
      ruleId: 'proof-incomplete',
      level: r.verdict === 'error' ? 'error' : 'warning',
      message: `verdict ${r.verdict}: the audit is not proven clean; ${gaps.map(u).join('; ')}`,
      detail: [],
      places: [],
      properties: { verdict: r.verdict },
    });
  }
  return out;
}
