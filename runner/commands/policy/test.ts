/**
 * `policy test [files...]`: runs policy unit tests (policies/<name>.test.json)
 * and reports each failing case at its place, with the rule that decided.
 * Exit 0 all passed, 1 a case failed, 2 a test file or its policy did not load
 * (or bad flags). The cases themselves run in policies/policy-test.ts (pure).
 */
import fs from 'node:fs';
import path from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import { BUILTIN_POLICY_DIR } from '../../../policies/builtin.js';
import { EXIT, UsageError, formatDiagnostic } from '../../../policies/errors.js';
import { TEST_FILE_SUFFIX, type TestFileResult, formatFailures, formatSummary, runTestFile, summarize } from '../../../policies/policy-test.js';
import type { Io } from '../../io.js';
import { escapeControl } from '../../escape.js';
import { runsDirFlag } from '../../batch/runs-dir.js';
import { filesIn, loadOptionsFor } from './shared.js';

export interface TestOptions {
  files: string[];
  builtin: boolean;
  workspace: string;
  format: 'text' | 'json';
  junit?: string;
  /** The run root `{runDir}` lies in (`--runs-dir`, default `runs`). */
  runsDir?: string;
}

/** `*.test.json` directly in a directory, sorted; none when it does not exist. */
export function testFilesIn(dir: string): string[] {
  return filesIn(dir, (n) => n.endsWith(TEST_FILE_SUFFIX));
}

function inside(dir: string, file: string): string | undefined {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
}

/** The suite name of a test file, the same on every machine: workspace-relative, `builtin/<file>`, else as given. */
function suiteName(file: string, workspace: string, cwd: string): string {
  if (path.dirname(file) === BUILTIN_POLICY_DIR) return `builtin/${path.basename(file)}`;
  return inside(workspace, file) ?? inside(cwd, file) ?? file;
}

/** XML 1.0 cannot carry most control characters, escaped or not (our own line breaks stay). */
function xmlText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** junit.xml: one testsuite per test file, one testcase per case; a file that did not load is one errored testcase `load`. */
export function renderPolicyTestJunit(results: readonly TestFileResult[], suiteOf: (file: string) => string, display: (file: string) => string): string {
  const u = escapeControl;
  const suites = results.map((r) => {
    const suite = suiteOf(r.file);
    const classname = u(`sleeve-sandbox.policy-test.${r.policy ?? 'unloaded'}`);
    if (r.errors) {
      const message = r.errors.map((d) => u(formatDiagnostic({ ...d, file: display(d.file) }))).join('\n');
      return {
        '@_name': xmlText(u(suite)),
        '@_tests': 1,
        '@_failures': 0,
        '@_errors': 1,
        testcase: [
          {
            '@_name': 'load',
            '@_classname': classname,
            error: { '@_message': xmlText(u(r.errors[0]?.message ?? 'does not load')), '@_type': 'load', '#text': xmlText(message) },
          },
        ],
      };
    }
    const cases = r.cases.map((c) => {
      const tc: Record<string, unknown> = { '@_name': xmlText(u(c.label)), '@_classname': classname };
      if (!c.passed) {
        const text = `${display(r.file)}:${c.line}:${c.column}: ${c.what}: ${c.message ?? ''}`;
        tc.failure = { '@_message': xmlText(u(c.message ?? 'failed')), '@_type': 'expectation', '#text': xmlText(u(text)) };
      }
      return tc;
    });
    return {
      '@_name': xmlText(u(suite)),
      '@_tests': cases.length,
      '@_failures': cases.filter((c) => 'failure' in c).length,
      '@_errors': 0,
      testcase: cases,
    };
  });
  const s = summarize(results);
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: { '@_name': 'sleeve-sandbox policy test', '@_tests': s.cases + s.errors, '@_failures': s.failed, '@_errors': s.errors, testsuite: suites },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, processEntities: true });
  return builder.build(doc) as string;
}

export async function testCommand(opts: TestOptions, io: Io): Promise<number> {
  const runsDir = runsDirFlag(opts.runsDir);
  const files = opts.files.map((f) => path.resolve(io.cwd, f));
  if (opts.builtin) files.push(...testFilesIn(BUILTIN_POLICY_DIR));
  if (files.length === 0) {
    files.push(...testFilesIn(path.join(opts.workspace, 'policies')));
    if (files.length === 0) {
      throw new UsageError(
        `no policy test files: none given and no *${TEST_FILE_SUFFIX} in ${path.join(opts.workspace, 'policies')}; add policies/<name>${TEST_FILE_SUFFIX}, pass test files, or use --builtin for the built-ins' own tests`,
      );
    }
  }
  const display = (file: string) => inside(io.cwd, file) ?? file;
  const loadOpts = loadOptionsFor(opts.workspace, io.cwd);
  const results = [...new Set(files)].map((file) => runTestFile(file, loadOpts, display, runsDir));
  const summary = summarize(results);
  if (opts.junit !== undefined) {
    const target = path.resolve(io.cwd, opts.junit);
    try {
      fs.writeFileSync(
        target,
        renderPolicyTestJunit(results, (f) => suiteName(f, opts.workspace, io.cwd), display),
      );
    } catch (error) {
      throw new UsageError(
        `cannot write --junit ${target} (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a writable file path whose directory exists`,
      );
    }
  }
  const exitCode = summary.errors > 0 ? EXIT.usage : summary.failed > 0 ? EXIT.sleeveFailed : EXIT.ok;
  if (opts.format === 'json') {
    const out = results.map((r) => ({ ...r, suite: suiteName(r.file, opts.workspace, io.cwd) }));
    io.stdout(`${JSON.stringify({ exitCode, summary, files: out }, null, 2)}\n`);
  } else {
    for (const r of results) {
      for (const d of r.errors ?? []) io.stdout(`${escapeControl(formatDiagnostic({ ...d, file: display(d.file) }))}\n`);
    }
    for (const line of formatFailures(results, display)) io.stdout(`${escapeControl(line)}\n`);
    for (const r of results) {
      if (r.errors) continue;
      const failed = r.cases.filter((c) => !c.passed).length;
      io.stderr(
        `${failed === 0 ? 'ok' : 'FAIL'}  ${escapeControl(display(r.file))} (policy ${r.policy}): ${r.cases.length - failed}/${r.cases.length} case(s) passed\n`,
      );
    }
    io.stderr(`${formatSummary(summary)}\n`);
  }
  return exitCode;
}
