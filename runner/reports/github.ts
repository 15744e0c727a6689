/**
 * GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=...::message`
 * annotations for lint findings and for a batch's findings (findings.ts), and
 * a `::group::` around each failed sleeve's log tail. Pure: data in, lines
 * out; the commands print them when `GITHUB_ACTIONS=true` (or lint's
 * `--format github`).
 *
 * Escaping follows GitHub's rules for workflow commands: in the message `%`,
 * `\r` and `\n` become `%25`, `%0D`, `%0A`; in a property also `:` and `,`
 * (`%3A`, `%2C`), so no value can end its property or the command early.
 * A sleeve's log tail is its own text, and a line of it that starts with
 * `::` would be a command of its own (a forged annotation, a `::endgroup::`,
 * an `::add-mask::`): the tail is printed between `::stop-commands::<token>`
 * and `::<token>::`, with a token the sleeve cannot know (made by the caller
 * after the sleeve ended), and each of its lines is prefixed with `| `.
 * Files are named relative to the report root (locate.ts); a place outside
 * it gets no `file=` (GitHub could not resolve it).
 */
import type { AuditReport } from '../audit/schema.js';
import { escapeControl } from '../escape.js';
import { type Finding, auditFindings, failedSleeves } from './findings.js';
import { type Place, relativeToRoot } from './locate.js';
import type { LintFinding } from './sarif.js';
import { POLICY_ERROR_RULE } from './sarif.js';

/** The message part of a workflow command. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value of a workflow command (`file=`, `title=`, ...). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  /** Relative to the repository root, `/`-separated. */
  file?: string;
  line?: number;
  col?: number;
  title?: string;
  message: string;
}

export function annotationLine(a: Annotation): string {
  const props: string[] = [];
  if (a.file !== undefined) {
    props.push(`file=${escapeProperty(a.file)}`);
    if (a.line !== undefined) props.push(`line=${a.line}`);
    if (a.line !== undefined && a.col !== undefined) props.push(`col=${a.col}`);
  }
  if (a.title !== undefined) props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(a.message)}`;
}

/** The first place under the root, as annotation properties; none when no place is. */
function placeProps(places: readonly Place[], root: string): Pick<Annotation, 'file' | 'line' | 'col'> {
  for (const p of places) {
    const file = relativeToRoot(root, p.file);
    if (file !== undefined) return { file, ...(p.line !== undefined ? { line: p.line } : {}), ...(p.column !== undefined ? { col: p.column } : {}) };
  }
  return {};
}

/** One annotation per lint finding, at its file, line and column. */
export function lintAnnotations(findings: readonly LintFinding[], root: string): string[] {
  return findings.map((d) =>
    annotationLine({
      level: d.level,
      ...placeProps([{ file: d.file, line: d.line, column: d.column }], root),
      title: `sleeve-sandbox policy lint: ${d.rule ?? POLICY_ERROR_RULE}`,
      message: escapeControl(`${d.jsonPath ? `${d.jsonPath}: ` : ''}${d.message}`),
    }),
  );
}

function findingAnnotation(f: Finding, root: string): string {
  return annotationLine({ level: f.level, ...placeProps(f.places, root), title: `sleeve-sandbox: ${f.ruleId}`, message: f.message });
}

/**
 * After a batch: an annotation per finding (denials at their deciding rule
 * or the sleeve entry, violations, failed sleeves, the proof's gaps), then,
 * per failed sleeve with a log tail, a group holding it with commands
 * stopped. `token`: fresh and unguessable, e.g. 16 random bytes in hex.
 */
export function batchAnnotations(r: AuditReport, o: { root: string; token: string }): string[] {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(o.token)) throw new Error('stop-commands token must be at least 16 characters of [A-Za-z0-9_-]');
  const lines = auditFindings(r).map((f) => findingAnnotation(f, o.root));
  for (const s of failedSleeves(r)) {
    const tail = s.stderrTail ?? [];
    if (tail.length === 0) continue;
    lines.push(`::group::${escapeData(escapeControl(s.name))} log tail`);
    lines.push(`::stop-commands::${o.token}`);
    for (const l of tail) lines.push(`| ${escapeControl(l)}`);
    lines.push(`::${o.token}::`);
    lines.push('::endgroup::');
  }
  return lines;
}
