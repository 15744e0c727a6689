/**
 * audit.md: a short summary that reads well as a GitHub job summary. Verdict
 * first, a table of sleeves, then denials and violations with their rules
 * and reasons. Untrusted text (paths, reasons) is escaped for Markdown:
 * backslash escapes in text and table cells, and the code-span rules in
 * inline code (codeSpan).
 */
import { escapeControl } from '../escape.js';
import { describeEnd } from '../reports/findings.js';
import type { AuditReport } from './schema.js';

/** Escapes text for a Markdown table cell or line: no HTML, no markup, no control or bidi characters. */
export function escapeMarkdown(text: string): string {
  return escapeControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+\-.!|~])/g, '\\$1');
}

/**
 * Untrusted text as inline code. In CommonMark a backslash inside a code span
 * is literal, so the text goes in as it is (control characters made visible),
 * fenced by a run of backticks longer than any run inside it, padded with a
 * space when it begins or ends with a backtick or a space (the parser strips
 * one from each side). Text with `<`, `>` or `&` is shown as a `<code>`
 * element around the escaped text instead: no raw markup ever reaches the
 * file, and a renderer that parses HTML inside code spans sees none.
 * Not for table cells (a pipe there needs `\|`, which escapeMarkdown gives).
 */
export function codeSpan(text: string): string {
  const t = escapeControl(text);
  if (t === '' || /[<>&]/.test(t)) return `<code>${escapeMarkdown(text)}</code>`;
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(t) && t.trim() !== '' ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

const ICON: Record<AuditReport['verdict'], string> = {
  clean: 'clean',
  violations: 'VIOLATIONS',
  failed: 'FAILED',
  partial: 'PARTIAL (not proven clean)',
  unaudited: 'UNAUDITED (not proven clean)',
  error: 'ERROR (the runner failed)',
  running: 'RUNNING (not finished)',
};

export function renderMarkdown(r: AuditReport): string {
  const out: string[] = [];
  const e = escapeMarkdown;
  out.push(`## sleeve-sandbox audit: ${ICON[r.verdict]}`);
  out.push('');
  out.push(
    `Verdict **${r.verdict}** (exit ${r.exitCode ?? 'none yet'}). ${r.sleeves.length} sleeve(s), ${r.violations.length} violation(s), ` +
      `${r.sleeves.reduce((n, s) => n + s.denials.length, 0)} denial(s); ${r.integrity.filesChecked} entries checked, ${r.integrity.hashed} hashed.` +
      (r.interrupted ? ` Interrupted by ${r.interrupted}.` : ''),
  );
  if (r.error) out.push('', `The runner failed inside: ${e(r.error)}`);
  if (r.weakened.length > 0) {
    out.push('', '### Why this is not proven clean', '');
    for (const w of r.weakened) out.push(`- ${e(w)}`);
  }
  if (!r.integrity.audited) out.push('', 'The auditor was off (`--no-audit`): nothing was checked on disk.');
  out.push('');
  out.push('| sleeve | run id | policy | mode | OS layer | status | exit | duration | denials | writes |');
  out.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const s of r.sleeves) {
    const exit = s.exitCode ?? s.signal ?? '';
    const os = s.os === undefined ? '' : s.os.used ? `yes${s.os.network === 'open' ? ', network open' : ''}` : 'no';
    const denials = s.os?.denialsItemised === false ? 'not itemised' : String(s.denials.length);
    out.push(
      `| ${e(s.name)} | ${e(s.runId)} | ${e(s.policy)} | ${s.mode ?? 'process'} | ${os} | ${s.status} | ${e(String(exit))} | ${(s.durationMs / 1000).toFixed(1)} s | ${denials} | ${s.writes} |`,
    );
  }
  const notes: string[] = [];
  for (const s of r.sleeves) {
    if (!s.os) continue;
    if (s.os.denialsItemised === false) {
      notes.push(
        `- **${e(s.name)}** runs a program that is not Node: what the kernel refused it reached it as ordinary errors (EROFS, EACCES, ENOENT) and is not itemised; the audit below is the proof of what changed.`,
      );
    }
    if (!s.os.used && s.os.why) notes.push(`- **${e(s.name)}** ran without the OS layer: ${e(s.os.why)}`);
    if (s.os.used && s.os.network === 'open') notes.push(`- **${e(s.name)}**: its policy opens the network; the sandbox shares the host's network namespace.`);
    for (const u of s.os.unenforced) notes.push(`- **${e(s.name)}**: ${e(u.list)} ${codeSpan(u.pattern)} is not enforced by the kernel: ${e(u.why)}`);
  }
  if (notes.length > 0) {
    out.push('');
    out.push('### OS layer');
    out.push('');
    out.push(...notes);
  }
  const other: string[] = [];
  for (const s of r.sleeves) {
    if (s.channel?.fault) other.push(`- **${e(s.name)}**: its report channel was forged or torn and the sleeve was stopped: ${e(s.channel.fault)}`);
    if (s.policySource?.shadows)
      other.push(
        `- **${e(s.name)}**: policy ${codeSpan(s.policy)} is the workspace's ${e(s.policySource.chain.find((c) => c.kind !== 'builtin' && c.file.endsWith(`/${s.policySource?.shadows}.json`))?.file ?? 'file')}, which shadows the built-in ${codeSpan(s.policySource.shadows)}`,
      );
  }
  if (other.length > 0) out.push('', '### Channels and policies', '', ...other);
  const failed = r.sleeves.filter((s) => s.status !== 'ok');
  if (failed.length > 0) {
    out.push('', '### Why sleeves did not end ok', '');
    for (const s of failed) {
      out.push(`- **${e(s.name)}** ${e(describeEnd(s))}${s.error ? `: ${e(s.error)}` : ''}; log: ${codeSpan(s.logs.stderr)}`);
      for (const l of s.stderrTail ?? []) out.push(`  > ${e(l)}`);
    }
  }
  const denials = r.sleeves.flatMap((s) => s.denials.map((d) => ({ s, d })));
  if (denials.length > 0) {
    out.push('');
    out.push('### Denials');
    out.push('');
    for (const { s, d } of denials) {
      out.push(`- **${e(s.name)}**: ${e(d.op)} denied: ${codeSpan(d.path)} (${e(d.rule)}: ${e(d.reason)})${d.count > 1 ? ` x${d.count}` : ''}`);
    }
  }
  if (r.violations.length > 0) {
    out.push('');
    out.push('### Violations');
    out.push('');
    for (const v of r.violations) {
      const when = v.time ? `at ${v.time}` : 'time unknown';
      out.push(`- ${codeSpan(v.path)} ${v.change}, ${when}; suspects: ${v.suspects.map(e).join(', ') || 'none'}. ${e(v.why)}`);
    }
  }
  for (const b of r.integrity.boundsHit) out.push('', `Bound reached: ${e(b)}`);
  if (r.integrity.excluded.length > 0) out.push('', `Out of the audit's scope: ${r.integrity.excluded.map(codeSpan).join(', ')}.`);
  out.push('');
  return `${out.join('\n')}\n`;
}
