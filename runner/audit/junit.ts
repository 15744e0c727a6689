/**
 * junit.xml: one testsuite per batch, named `sleeve-sandbox` in every batch
 * (its batch id and verdict are properties), one testcase per sleeve (a failure when
 * it failed or was denied, with the denials in the message) and one testcase
 * `workspace-integrity` (a failure when anything outside the permitted zones
 * changed). Built with fast-xml-parser, which escapes text and attributes.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { escapeControl } from '../escape.js';
import type { AuditReport } from './schema.js';

/** XML 1.0 cannot carry most control characters at all, escaped or not (our own line breaks stay). */
function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
/** Untrusted text (a path, a name, a reason): no control character at all, so it cannot forge a line. */
const u = escapeControl;

export function renderJunit(r: AuditReport): string {
  const cases = r.sleeves.map((s) => {
    const failed = s.status !== 'ok' || s.denials.length > 0;
    const tc: Record<string, unknown> = {
      '@_name': u(s.name),
      '@_classname': u(`sleeve-sandbox.${s.policy}`),
      '@_time': (s.durationMs / 1000).toFixed(3),
    };
    if (s.status === 'cancelled' || s.status === 'skipped') tc.skipped = { '@_message': u(s.error ?? s.status) };
    else if (failed) {
      const lines = s.denials.map((d) => `${u(d.op)} denied: ${u(d.path)} (${u(d.rule)}: ${u(d.reason)})`);
      const message =
        s.denials.length > 0
          ? `${s.denials.length} denial(s): ${lines[0]}`
          : `${s.status} (exit ${s.exitCode ?? s.signal ?? '?'})${s.error ? `: ${u(s.error)}` : ''}`;
      tc.failure = {
        '@_message': clean(message),
        '@_type': s.denials.length > 0 ? 'denied' : s.status,
        '#text': clean([`status: ${s.status}`, ...lines].join('\n')),
      };
      // After the failure, as the JUnit schema orders them: the last lines of its stderr.
      if (s.stderrTail && s.stderrTail.length > 0) tc['system-err'] = clean(s.stderrTail.map(u).join('\n'));
    }
    return tc;
  });
  const integrity: Record<string, unknown> = { '@_name': 'workspace-integrity', '@_classname': 'sleeve-sandbox.audit', '@_time': '0' };
  if (r.violations.length > 0) {
    integrity.failure = {
      '@_message': clean(`${r.violations.length} change(s) outside the permitted zones: ${u(r.violations[0]?.path ?? '')}`),
      '@_type': 'violation',
      '#text': clean(
        r.violations
          .map((v) => `${v.change} ${u(v.path)} (${v.time ?? 'time unknown'}; suspects ${v.suspects.map(u).join(', ') || 'none'}): ${u(v.why)}`)
          .join('\n'),
      ),
    };
  }
  cases.push(integrity);
  const failures = cases.filter((c) => 'failure' in c).length;
  const skipped = cases.filter((c) => 'skipped' in c).length;
  const seconds = (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000;
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'sleeve-sandbox',
      '@_tests': cases.length,
      '@_failures': failures,
      '@_errors': 0,
      '@_time': seconds.toFixed(3),
      testsuite: {
        // The same name in every batch, so CI tools track each testcase across runs; the batch id is a property.
        '@_name': 'sleeve-sandbox',
        '@_tests': cases.length,
        '@_failures': failures,
        '@_errors': 0,
        '@_skipped': skipped,
        '@_time': seconds.toFixed(3),
        '@_timestamp': r.startedAt,
        properties: {
          property: [
            { '@_name': 'batchId', '@_value': clean(u(r.batchId)) },
            { '@_name': 'verdict', '@_value': r.verdict },
          ],
        },
        testcase: cases,
      },
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, processEntities: true });
  return builder.build(doc) as string;
}
