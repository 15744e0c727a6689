/**
 * Shared by the audit suites (not a test file itself): runs the REAL bin as a
 * child process against a temp workspace, lets the test act on the workspace
 * while the sleeves run, and reads back the reports from disk.
 *
 * The hand-shake with a sleeve stays inside its own run dir: the sleeve
 * writes `started` (its name), polls for a `go` file the harness drops there,
 * then removes `go` itself through its guard, so the hand-shake leaves no
 * trace the auditor could (rightly) call a violation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { AuditReport, Violation } from '../../../runner/audit/schema.js';

export { binPath, childEnv, collect, repoRoot, runBin, runMain, show, startBin } from '../../helpers/cli.js';
export type { Run } from '../../helpers/cli.js';
import { type Run, show } from '../../helpers/cli.js';

/** The hand-shake sleeve: marker, wait for `go` (at most 10 s), remove it, write its outputs. */
export const WAITING_SLEEVE = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
fs.mkdirSync(path.join(dir, 'out', 'deep'), { recursive: true });
fs.writeFileSync(path.join(dir, 'out', 'deep', 'result.json'), JSON.stringify({ sleeve: process.env.SLEEVE_NAME }));
fs.writeFileSync(path.join(dir, 'started'), String(process.env.SLEEVE_NAME));
const go = path.join(dir, 'go');
const deadline = Date.now() + 10000;
while (!fs.existsSync(go) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
if (fs.existsSync(go)) fs.rmSync(go);
fs.writeFileSync(path.join(dir, 'done.txt'), 'done\\n');
`;

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run dir (absolute) whose `started` marker names this sleeve, if it has started. */
export function startedRunDir(ws: string, name: string): string | undefined {
  const runs = path.join(ws, 'runs');
  if (!fs.existsSync(runs)) return undefined;
  for (const id of fs.readdirSync(runs)) {
    try {
      if (fs.readFileSync(path.join(runs, id, 'started'), 'utf8') === name) return path.join(runs, id);
    } catch {
      // not started (yet), or not a run dir
    }
  }
  return undefined;
}

/**
 * Waits for the sleeve's `started` marker; fails at once, with the runner's
 * output, when `ended()` says the batch is already over.
 */
export async function waitStarted(ws: string, name: string, ended: () => Run | undefined = () => undefined): Promise<string> {
  let dir: string | undefined;
  await waitFor(
    `sleeve ${name} to write its started marker`,
    () => {
      dir = startedRunDir(ws, name);
      const run = dir === undefined ? ended() : undefined;
      if (run) assert.fail(`the batch ended before sleeve ${name} started\n${show(run)}`);
      return dir !== undefined;
    },
    30_000,
  );
  return dir as string;
}

/** A run in progress whose outcome can be peeked at without waiting. */
export function track(done: Promise<Run>): () => Run | undefined {
  let run: Run | undefined;
  done.then(
    (r) => {
      run = r;
    },
    () => {},
  );
  return () => run;
}

/** Lets a waiting sleeve finish (it removes `go` itself). */
export function release(runDir: string): void {
  fs.writeFileSync(path.join(runDir, 'go'), '');
}

export interface SummaryJson {
  exitCode: number;
  verdict: AuditReport['verdict'];
  violations: Violation[];
  reports: { json: string; markdown: string; junit: string; sarif: string };
  sleeves: Array<{ name: string; runId: string; runDir: string; status: string }>;
}

export interface JunitCase {
  '@_name': string;
  '@_classname': string;
  '@_time': string;
  failure?: { '@_message': string; '@_type': string; '#text'?: string };
  skipped?: { '@_message': string };
}

export interface Junit {
  suites: Record<string, string>;
  suite: Record<string, string>;
  cases: JunitCase[];
}

/** Parses junit.xml strictly (the validator first: XMLParser alone is lenient). */
export function parseJunit(xml: string): Junit {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, `junit.xml is not well-formed XML: ${JSON.stringify(valid)}\n${xml}`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => name === 'testcase' }).parse(xml) as {
    testsuites: Record<string, string> & { testsuite: Record<string, string> & { testcase: JunitCase[] } };
  };
  const { testsuite, ...suites } = doc.testsuites;
  const { testcase, ...suite } = testsuite;
  return { suites, suite, cases: testcase };
}

export function junitCase(j: Junit, name: string): JunitCase {
  const c = j.cases.find((x) => x['@_name'] === name);
  assert.ok(c, `no testcase ${name} in junit.xml: ${JSON.stringify(j.cases.map((x) => x['@_name']))}`);
  return c;
}

export interface BatchOutcome {
  run: Run;
  summary: SummaryJson;
  report: AuditReport;
  junit: Junit;
  markdown: string;
  /** Sleeve name -> absolute run dir (from the summary). */
  runDirs: Map<string, string>;
  /** Sleeve name -> workspace-relative run dir. */
  relRunDirs: Map<string, string>;
}

export function readOutcome(ws: string, run: Run): BatchOutcome {
  let summary: SummaryJson;
  try {
    summary = JSON.parse(run.stdout) as SummaryJson;
  } catch (error) {
    assert.fail(`stdout is not a JSON summary (${(error as Error).message})\n${show(run)}`);
  }
  assert.ok(summary.reports, `the JSON summary names no reports\n${show(run)}`);
  for (const f of [summary.reports.json, summary.reports.markdown, summary.reports.junit]) {
    assert.ok(fs.statSync(f).isFile(), `report ${f} printed but not on disk`);
  }
  const report = JSON.parse(fs.readFileSync(summary.reports.json, 'utf8')) as AuditReport;
  const junit = parseJunit(fs.readFileSync(summary.reports.junit, 'utf8'));
  const markdown = fs.readFileSync(summary.reports.markdown, 'utf8');
  const runDirs = new Map(summary.sleeves.map((s) => [s.name, s.runDir]));
  const relRunDirs = new Map(summary.sleeves.map((s) => [s.name, path.relative(ws, s.runDir).split(path.sep).join('/')]));
  return { run, summary, report, junit, markdown, runDirs, relRunDirs };
}

/** Undoes the escaping of Markdown text: backslash escapes and the three entities. */
function unescapeText(text: string): string {
  return text
    .replace(/\\([\\`*_{}[\]()#+\-.!|~])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * audit.md as plain text, inline code kept as `code`: backslash escapes and
 * entities undone in text; a code span (any backtick fence, one padding space
 * stripped from each side as CommonMark does) and a `<code>` element (escaped
 * text inside) both read back as a single-backtick span of their content.
 */
export function unescapeMarkdown(text: string): string {
  let out = '';
  let plain = '';
  const flush = () => {
    out += unescapeText(plain);
    plain = '';
  };
  for (let i = 0; i < text.length; ) {
    if (text[i] === '\\' && i + 1 < text.length && /[\\`*_{}[\]()#+\-.!|~]/.test(text[i + 1] as string)) {
      plain += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (text.startsWith('<code>', i)) {
      const end = text.indexOf('</code>', i);
      if (end > 0) {
        flush();
        out += `\`${unescapeText(text.slice(i + 6, end))}\``;
        i = end + 7;
        continue;
      }
    }
    if (text[i] === '`') {
      let n = 0;
      while (text[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      let j = text.indexOf(fence, i + n);
      while (j >= 0 && text[j + n] === '`') {
        let k = j;
        while (text[k] === '`') k++;
        j = text.indexOf(fence, k);
      }
      if (j >= 0) {
        flush();
        let code = text.slice(i + n, j);
        if (code.length >= 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
        out += `\`${code}\``;
        i = j + n;
        continue;
      }
    }
    plain += text[i];
    i++;
  }
  flush();
  return out;
}
