/**
 * Bad input to `sleeve-sandbox run`: broken manifests, bad flags, unusable
 * policies, workspaces and entries. Every case must exit 2 before anything
 * runs, say where the problem is (file:line:col and the JSON path for a
 * manifest, or the flag), and create nothing: the workspace listing is the
 * same before and after (not even runs/ appears). Run in this process through
 * `main(argv, io)`: nothing starts, so no process of its own is needed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runMain, show } from '../../helpers/cli.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

/** Everything below `dir` with size and mtime, so a created, removed or rewritten entry shows. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = fs.lstatSync(path.join(d, e.name), { bigint: true });
      out.push(`${r}${e.isDirectory() ? '/' : ''} size=${st.size} mtime=${st.mtimeNs}`);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

/** A sleeve entry that is fine, so only the case's own problem is wrong. */
const OK_SLEEVE = "console.log('ok');\n";

interface Case {
  title: string;
  /** Raw text of manifest.json (written to the workspace root). */
  manifest?: string;
  /** Extra files (and overrides) in the workspace. */
  files?: Record<string, string>;
  /** Leave data/lakehouse empty (for the strict policy's `requires`). */
  emptyLakehouse?: boolean;
  /** Arguments after `run`; the test runs with cwd = the workspace. */
  args: string[];
  /** The place: `manifest.json:<line>:<col>` must point at this text on that line... */
  at?: { line: number; token: string };
  /** ...and every one of these must be in stderr (flags, JSON paths, the problem). */
  says: Array<string | RegExp>;
  /** The --json error object: its code and (for file errors) the diagnostic's jsonPath. */
  json?: { code: string; jsonPath?: string };
  todo?: string;
}

const sleeve = (extra: Record<string, unknown> = {}) => ({ name: 'alpha', entry: 'sleeves/ok.mjs', ...extra });
const pretty = (m: unknown) => `${JSON.stringify(m, null, 2)}\n`;
const strictRun = (...rest: string[]) => ['--policy', 'strict', '--manifest', 'manifest.json', ...rest];

const cases: Case[] = [
  {
    title: 'rejects invalid JSON (a trailing comma), pointing at the character after it',
    manifest: lines('{', '  "version": 1,', '  "sleeves": [', '    { "name": "alpha", "entry": "sleeves/ok.mjs" },', '  ]', '}'),
    args: strictRun(),
    at: { line: 5, token: ']' },
    says: ['invalid JSON', 'trailing comma'],
    json: { code: 'EMANIFEST' },
  },
  {
    title: 'rejects an unknown top-level key, naming it',
    manifest: lines('{', '  "version": 1,', '  "sleevs": [],', '  "sleeves": [{ "name": "alpha", "entry": "sleeves/ok.mjs" }]', '}'),
    args: strictRun(),
    at: { line: 3, token: '"sleevs"' },
    says: [': error: sleevs: unknown key "sleevs"'],
    json: { code: 'EMANIFEST', jsonPath: 'sleevs' },
  },
  {
    title: 'rejects an unknown key in a sleeve, with the JSON path of the sleeve',
    manifest: pretty({ version: 1, sleeves: [sleeve(), sleeve({ name: 'beta', timeout: 5 })] }),
    args: strictRun(),
    at: { line: 11, token: '"timeout"' },
    says: ['sleeves[1].timeout: unknown key "timeout"'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[1].timeout' },
  },
  {
    title: 'rejects a manifest without sleeves',
    manifest: pretty({ version: 1, policy: 'strict' }),
    args: ['--manifest', 'manifest.json'],
    at: { line: 1, token: '{' },
    says: ['sleeves: expected an array of sleeves'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves' },
  },
  {
    title: 'rejects an empty sleeves array',
    manifest: lines('{', '  "version": 1,', '  "sleeves": []', '}'),
    args: strictRun(),
    at: { line: 3, token: '[]' },
    says: ['sleeves: expected at least one sleeve'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves' },
  },
  {
    title: 'rejects a sleeve name with a space and a slash',
    manifest: pretty({ version: 1, sleeves: [sleeve({ name: 'ma long/1' })] }),
    args: strictRun(),
    at: { line: 5, token: '"ma long/1"' },
    says: ['sleeves[0].name: expected a name of letters, digits'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[0].name' },
  },
  {
    title: 'rejects two sleeves with the same name, pointing at the second',
    manifest: pretty({ version: 1, sleeves: [sleeve(), sleeve()] }),
    args: strictRun(),
    at: { line: 9, token: '"alpha"' },
    says: ['sleeves[1].name: expected unique names, got "alpha" twice'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[1].name' },
  },
  {
    title: 'rejects an entry that is not .js, .mjs, .cjs or .ts',
    manifest: pretty({ version: 1, sleeves: [sleeve({ entry: 'sleeves/ok.py' })] }),
    files: { 'sleeves/ok.py': 'print(1)\n' },
    args: strictRun(),
    at: { line: 6, token: '"sleeves/ok.py"' },
    says: ['sleeves[0].entry: expected a .js, .mjs, .cjs or .ts file'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[0].entry' },
  },
  {
    title: 'rejects an entry that does not exist, naming the sleeve and the path it looked at',
    manifest: pretty({ version: 1, sleeves: [sleeve(), sleeve({ name: 'beta', entry: 'sleeves/missing.ts' })] }),
    args: strictRun(),
    at: { line: 8, token: '{' },
    says: ['(sleeves[1]): entry sleeves/missing.ts not found', `${path.sep}sleeves${path.sep}missing.ts`],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects a run id that could escape runs/',
    manifest: pretty({ version: 1, sleeves: [sleeve({ runId: '../escape' })] }),
    args: strictRun(),
    at: { line: 7, token: '"../escape"' },
    says: ['sleeves[0].runId: expected a run id matching'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[0].runId' },
  },
  {
    title: 'rejects two sleeves with the same run id',
    manifest: pretty({ version: 1, sleeves: [sleeve({ runId: 'same' }), sleeve({ name: 'beta', runId: 'same' })] }),
    args: strictRun(),
    at: { line: 12, token: '"same"' },
    says: ['sleeves[1].runId: expected unique run ids, got "same" twice'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[1].runId' },
  },
  {
    title: 'rejects an env key that is not a variable name, pointing at the key',
    manifest: pretty({ version: 1, sleeves: [sleeve({ env: { 'BAD-NAME': 'x' } })] }),
    args: strictRun(),
    at: { line: 8, token: '"BAD-NAME"' },
    says: ['sleeves[0].env["BAD-NAME"]: expected a variable name'],
    json: { code: 'EMANIFEST', jsonPath: 'sleeves[0].env["BAD-NAME"]' },
  },
  {
    title: 'rejects an env entry that would override PORTFOLIO_DATA_SOURCE, which the policy sets',
    manifest: pretty({ version: 1, sleeves: [sleeve({ env: { PORTFOLIO_DATA_SOURCE: 'csv' } })] }),
    args: strictRun(),
    at: { line: 4, token: '{' },
    says: ['(sleeves[0]): env PORTFOLIO_DATA_SOURCE is set by policy "strict" to "lakehouse_only"'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects NODE_OPTIONS in a sleeve env',
    manifest: pretty({ version: 1, sleeves: [sleeve({ env: { NODE_OPTIONS: '--require ./evil.cjs' } })] }),
    args: strictRun(),
    at: { line: 4, token: '{' },
    says: ['(sleeves[0]): env NODE_OPTIONS would change how node starts'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects env SLEEVE_RUN_ID, which sleeve-sandbox sets itself',
    manifest: pretty({ version: 1, sleeves: [sleeve({ env: { SLEEVE_RUN_ID: 'spoofed' } })] }),
    args: strictRun(),
    at: { line: 4, token: '{' },
    says: ['(sleeves[0]): env SLEEVE_RUN_ID is set by sleeve-sandbox itself'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects an unknown policy name given with --policy, listing the known ones',
    manifest: pretty({ version: 1, sleeves: [sleeve()] }),
    args: ['--policy', 'strcit', '--manifest', 'manifest.json'],
    says: ['no policy named "strcit"', 'known: ingest, strict'],
    json: { code: 'EPOLICY' },
  },
  {
    title: 'rejects an unknown policy name in the manifest, pointing at the manifest\'s "policy"',
    manifest: pretty({ version: 1, policy: 'strcit', sleeves: [sleeve()] }),
    args: ['--manifest', 'manifest.json'],
    at: { line: 3, token: '"strcit"' },
    says: ['no policy named "strcit"', 'policy'],
    json: { code: 'EMANIFEST' },
  },
  {
    title: 'rejects a manifest version other than 1',
    manifest: pretty({ version: 2, sleeves: [sleeve()] }),
    args: strictRun(),
    at: { line: 2, token: '2' },
    says: ['version: expected the manifest format version 1'],
    json: { code: 'EMANIFEST', jsonPath: 'version' },
  },
  {
    title: 'rejects a manifest that is a JSON array',
    manifest: '[]\n',
    args: strictRun(),
    at: { line: 1, token: '[]' },
    says: ['error:', 'array'],
    json: { code: 'EMANIFEST', jsonPath: '' },
  },
  {
    title: 'rejects a --manifest path that does not exist, telling to check --manifest',
    args: ['--policy', 'strict', '--manifest', 'no-such-manifest.json'],
    says: [/no-such-manifest\.json:1:1: error: cannot read the manifest \(ENOENT\)/, '--manifest'],
    json: { code: 'EMANIFEST' },
  },
  {
    title: 'rejects a sleeve with no policy from --policy, the manifest or the sleeve',
    manifest: pretty({ version: 1, sleeves: [sleeve()] }),
    args: ['--manifest', 'manifest.json'],
    at: { line: 4, token: '{' },
    says: ['(sleeves[0]): no policy: pass --policy'],
    json: { code: 'EUSAGE' },
  },
  {
    title: "rejects --sleeve without '='",
    args: ['--policy', 'strict', '--sleeve', 'alpha'],
    says: ['--sleeve "alpha": expected NAME=ENTRY'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects --sleeve with an empty name',
    args: ['--policy', 'strict', '--sleeve', '=sleeves/ok.mjs'],
    says: ['--sleeve "=sleeves/ok.mjs": expected NAME=ENTRY'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects a --sleeve name the manifest already uses',
    manifest: pretty({ version: 1, sleeves: [sleeve()] }),
    args: strictRun('--sleeve', 'alpha=sleeves/ok.mjs'),
    says: ['--sleeve alpha=sleeves/ok.mjs: the sleeve name "alpha" is used twice'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects a --workspace that does not exist',
    args: ['--policy', 'strict', '--workspace', 'no-such-dir', '--sleeve', 'alpha=sleeves/ok.mjs'],
    says: ['--workspace', `${path.sep}no-such-dir does not exist`],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects --concurrency 0',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--concurrency', '0'],
    says: ['--concurrency', '>= 1', '"0"'],
  },
  {
    title: 'rejects --timeout 0',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--timeout', '0'],
    says: ['--timeout', '> 0'],
  },
  {
    title: 'rejects --memory that is not a number',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--memory', 'lots'],
    says: ['--memory', '"lots"'],
  },
  {
    title: 'rejects --mode bogus',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--mode', 'bogus'],
    says: ['--mode must be "process" or "isolate", got "bogus"'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects an unknown --mode, naming the two there are',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--mode', 'vm'],
    says: ['--mode must be "process" or "isolate", got "vm"'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects an --audit-ignore glob with a ".." segment',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--audit-ignore', '../elsewhere/**'],
    says: ['--audit-ignore "../elsewhere/**"', '".."'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects an unknown flag',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--polcy', 'strict'],
    says: ["unknown option '--polcy'"],
  },
  {
    title: 'rejects a workspace whose data/lakehouse is empty, naming data/lakehouse (strict requires it)',
    emptyLakehouse: true,
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs'],
    says: [/strict\.json:\d+:\d+: error: requires\[0\]/, 'requires data/lakehouse to be non-empty', `${path.sep}data${path.sep}lakehouse)`],
    json: { code: 'EPOLICY', jsonPath: 'requires[0]' },
  },
  {
    title: 'rejects a sleeve that imports lakehouse data as code, naming the import in the entry',
    files: { 'sleeves/ok.mjs': lines("import prices from '../data/lakehouse/AAPL.csv';", 'console.log(prices);') },
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs'],
    says: [/sleeves\/ok\.mjs:1:\d+: error: --sleeve alpha=sleeves\/ok\.mjs: only code files can be imported by a sleeve/],
    json: { code: 'EBUNDLE' },
  },
  {
    title: 'rejects a TypeScript entry with a syntax error, naming its line and column',
    files: { 'sleeves/broken.ts': lines('const ok: number = 1;', 'const = ok;') },
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/broken.ts'],
    says: [/sleeves\/broken\.ts:2:7: error: --sleeve alpha=sleeves\/broken\.ts: /],
    json: { code: 'EBUNDLE' },
  },
  ...(
    [
      ['../out', 'contains "..": a run root lies inside the workspace'],
      ['/tmp/runs', 'is absolute'],
      ['.', 'is the workspace root'],
      ['data/lakehouse/runs', 'lies inside the shared data layer data/lakehouse'],
      ['data', 'holds the shared data layer data/lakehouse'],
      ['.git/runs', 'lies inside .git'],
      ['reports/runs', 'lies inside reports/, the report root'],
      ['runs/*', 'contains a glob character'],
      ['artifacts//runs', 'has an empty or "." segment'],
    ] as const
  ).map(
    ([runsDir, problem]): Case => ({
      title: `rejects the run root ${JSON.stringify(runsDir)} in the manifest, pointing at its value`,
      manifest: lines('{', '  "version": 1,', `  "runsDir": ${JSON.stringify(runsDir)},`, '  "sleeves": [{ "name": "alpha", "entry": "sleeves/ok.mjs" }]', '}'),
      args: strictRun(),
      at: { line: 3, token: JSON.stringify(runsDir) },
      says: [`runsDir: expected a run root inside the workspace, got ${JSON.stringify(runsDir)}, which ${problem}`],
      json: { code: 'EMANIFEST', jsonPath: 'runsDir' },
    }),
  ),
  {
    title: 'rejects a run root that is not a string',
    manifest: lines('{', '  "version": 1,', '  "runsDir": 7,', '  "sleeves": [{ "name": "alpha", "entry": "sleeves/ok.mjs" }]', '}'),
    args: strictRun(),
    at: { line: 3, token: '7' },
    says: ['runsDir: expected the run root as a string'],
    json: { code: 'EMANIFEST', jsonPath: 'runsDir' },
  },
  {
    title: 'rejects --runs-dir ../x, naming the flag and the problem',
    args: ['--policy', 'strict', '--sleeve', 'alpha=sleeves/ok.mjs', '--runs-dir', '../x'],
    says: ['--runs-dir "../x" contains ".."'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects --runs-dir inside the lakehouse even when the manifest names a good run root',
    manifest: pretty({ version: 1, runsDir: 'artifacts/runs', sleeves: [sleeve()] }),
    args: strictRun('--runs-dir', 'data/lakehouse/out'),
    says: ['--runs-dir "data/lakehouse/out" lies inside the shared data layer data/lakehouse'],
    json: { code: 'EUSAGE' },
  },
  {
    title: 'rejects a run root that goes through a file',
    manifest: pretty({ version: 1, runsDir: 'artifacts/runs', sleeves: [sleeve()] }),
    files: { artifacts: 'not a directory\n' },
    args: strictRun(),
    at: { line: 3, token: '"artifacts/runs"' },
    says: ['goes through artifacts, which is not a directory'],
    json: { code: 'EMANIFEST', jsonPath: 'runsDir' },
  },
];

/** The text at 1-based line:col of `text`. */
function textAt(text: string, line: number, col: number): string {
  return (text.split('\n')[line - 1] ?? '').slice(col - 1);
}

describe('sleeve-sandbox run: bad manifests and flags exit 2, say where, and create nothing', { concurrency: 2 }, () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  for (const c of cases) {
    it(c.title, c.todo ? { todo: c.todo } : {}, async () => {
      const tmp = makeTempDir('sleeve-bad-');
      cleanups.push(tmp.cleanup);
      const ws = tmp.dir;
      // No runs/ on purpose: a refused batch must not even create it.
      fs.mkdirSync(path.join(ws, 'data', 'lakehouse'), { recursive: true });
      writeTree(ws, {
        ...(c.emptyLakehouse ? {} : { 'data/lakehouse/AAPL.csv': 'date,close\n2024-01-02,185.6\n', 'data/lakehouse/portfolio_candidates.json': '["AAPL"]\n' }),
        'sleeves/ok.mjs': OK_SLEEVE,
        ...(c.manifest === undefined ? {} : { 'manifest.json': c.manifest }),
        ...c.files,
      });
      const before = listing(ws);

      const run = await runMain(['run', ...c.args, ...(c.json ? ['--json'] : [])], ws);

      assert.equal(run.code, 2, show(run));
      for (const s of c.says) {
        if (typeof s === 'string') assert.ok(run.stderr.includes(s), `stderr lacks ${JSON.stringify(s)}\n${show(run)}`);
        else assert.match(run.stderr, s, show(run));
      }
      if (c.at) {
        const m = /manifest\.json:(\d+):(\d+)/.exec(run.stderr);
        assert.ok(m, `no manifest.json:line:col in stderr\n${show(run)}`);
        const [line, col] = [Number(m[1]), Number(m[2])];
        assert.equal(line, c.at.line, `wrong line\n${show(run)}`);
        assert.ok(
          textAt(c.manifest ?? '', line, col).startsWith(c.at.token),
          `${line}:${col} is at ${JSON.stringify(textAt(c.manifest ?? '', line, col))}, not ${c.at.token}`,
        );
        assert.ok(run.stderr.includes(path.join(ws, 'manifest.json')), 'the manifest is named by its full path');
      }
      if (c.json) {
        const out = JSON.parse(run.stdout) as {
          error: { code: string; exitCode: number; message: string; diagnostics?: Array<{ jsonPath: string; line: number }> };
        };
        assert.equal(out.error.code, c.json.code, run.stdout);
        assert.equal(out.error.exitCode, 2);
        assert.ok(run.stderr.includes(out.error.message), 'the JSON error carries the message printed on stderr');
        if (c.json.jsonPath !== undefined) assert.equal(out.error.diagnostics?.[0]?.jsonPath, c.json.jsonPath, run.stdout);
      } else {
        assert.equal(run.stdout, '', 'nothing on stdout');
      }
      assert.deepEqual(listing(ws), before, 'the workspace changed');
    });
  }
});
