/**
 * `audit verify`'s second half: a report that fits the schema must also agree
 * with itself. The verdict and exit code are recomputed from the report's own
 * contents with the runner's one rule (verdict.ts), and every figure that is
 * a summary of other parts is checked against them, so an edit that turns
 * `violations` into `clean` (or drops the reason a proof was partial) is
 * caught. Pure: it returns each inconsistency with the JSON path it is at.
 *
 * What it cannot prove: a report rewritten consistently from end to end (the
 * denials and violations removed too). Keep reports where sleeves cannot
 * write (the runner refuses a report dir in any sleeve's write zone) and
 * archive them as CI artifacts.
 */
import { mayOverlap } from '../../policies/lint.js';
import type { AuditReport } from './schema.js';
import { VERDICT_EXIT, decideVerdict } from './verdict.js';

export interface Inconsistency {
  path: Array<string | number>;
  message: string;
}

export function checkConsistency(r: AuditReport): Inconsistency[] {
  const out: Inconsistency[] = [];
  const add = (path: Array<string | number>, message: string) => out.push({ path, message });
  const dropped = r.sleeves.flatMap((s, i) => ((s.channel?.dropped.denials ?? 0) + (s.channel?.dropped.writes ?? 0) > 0 ? [i] : []));
  if (dropped.length > 0 && r.weakened.length === 0) {
    add(['weakened'], `sleeves[${dropped[0]}] had reports dropped past its channel cap, so "weakened" cannot be empty`);
  }
  for (const g of r.integrity.ignored) {
    const hit = r.integrity.protected.find((p) => mayOverlap(g, p));
    if (hit && r.integrity.audited && !r.weakened.some((w) => w.includes(JSON.stringify(g)))) {
      add(['weakened'], `the ignored glob ${JSON.stringify(g)} reaches into the protected zone ${JSON.stringify(hit)}, and "weakened" does not say so`);
    }
    if (!r.integrity.excluded.includes(g) && r.integrity.audited)
      add(['integrity', 'excluded'], `the ignored glob ${JSON.stringify(g)} is not listed as excluded`);
  }
  if (r.integrity.unaccounted !== r.violations.length) {
    add(['integrity', 'unaccounted'], `says ${r.integrity.unaccounted}, but the report lists ${r.violations.length} violation(s)`);
  }
  if (!r.integrity.audited && (r.violations.length > 0 || r.integrity.filesChecked > 0)) {
    add(['integrity', 'audited'], 'says the auditor did not run, but the report has its findings');
  }
  r.sleeves.forEach((s, i) => {
    if (s.channel?.fault && !s.denials.some((d) => d.rule === 'report-channel')) {
      add(['sleeves', i, 'denials'], `the channel fault of ${JSON.stringify(s.name)} must be listed as a report-channel denial`);
    }
    if (s.channel?.fault && s.status === 'ok') add(['sleeves', i, 'status'], `${JSON.stringify(s.name)} had a channel fault, so it cannot be ok`);
    if (r.verdict !== 'running' && s.startedAt !== null && s.layers.includes('auditor') !== r.integrity.audited) {
      add(
        ['sleeves', i, 'layers'],
        `"auditor" ${r.integrity.audited ? 'missing from' : 'listed in'} the layers of ${JSON.stringify(s.name)}, but integrity.audited is ${r.integrity.audited}`,
      );
    }
  });
  if (r.verdict === 'running') {
    if (r.exitCode !== null) add(['exitCode'], 'a report of a batch still running has no exit code (null)');
    return out;
  }
  const expected = decideVerdict({
    sleeves: r.sleeves.map((s) => ({ status: s.status, denials: s.denials.length })),
    violations: r.violations.length,
    audited: r.integrity.audited,
    weakened: r.weakened,
    ...(r.error === undefined ? {} : { error: r.error }),
  });
  if (r.verdict !== expected.verdict) {
    const why = describe(r);
    add(['verdict'], `expected ${JSON.stringify(expected.verdict)} from the report's own contents (${why}), found ${JSON.stringify(r.verdict)}`);
  }
  if (r.exitCode !== VERDICT_EXIT[r.verdict]) add(['exitCode'], `verdict ${r.verdict} means exit ${VERDICT_EXIT[r.verdict]}, found ${r.exitCode}`);
  return out;
}

function describe(r: AuditReport): string {
  const denials = r.sleeves.reduce((n, s) => n + s.denials.length, 0);
  const notOk = r.sleeves.filter((s) => s.status !== 'ok').length;
  return `${r.violations.length} violation(s), ${denials} denial(s), ${notOk} sleeve(s) not ok, audited ${r.integrity.audited}, ${r.weakened.length} weakening(s)${r.error ? ', an internal error' : ''}`;
}
