/**
 * The `sleeve-sandbox policy ...` commands through `main(argv, io)` in
 * process (tests/helpers/cli.ts runMain; the process path of the same output
 * is pinned in bad-policies.test.ts), in temp workspaces: lint (errors,
 * warnings, --strict, --json, acknowledge), check (exit 0 allowed, 3 denied),
 * explain, schema, help, version and usage errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import picomatch from 'picomatch';
import { type Run, repoRoot, runMain } from '../../../helpers/cli.js';
import { withTempDir, writeFile, writeTree } from '../../../helpers/tmp.js';

const strictFile = path.join(repoRoot, 'policies', 'strict.json');
const ingestFile = path.join(repoRoot, 'policies', 'ingest.json');
const schemaFile = path.join(repoRoot, 'policies', 'schema', 'policy.schema.json');

function show(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}

/** A fresh workspace (realpath, so paths printed by the child compare equal) with data/lakehouse in it. */
/** A temp workspace with a small lakehouse (strict requires it non-empty). */
function withWorkspace<T>(fn: (ws: string) => Promise<T>): Promise<T> {
  return withTempDir('sleeve-cli-policy-', (ws) => {
    writeTree(ws, { 'data/lakehouse/AAPL.csv': 'date,open,high,low,close,volume\n', 'data/lakehouse/portfolio_candidates.json': '[]\n' });
    return fn(ws);
  });
}

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface LintReport {
  errors: number;
  warnings: number;
  diagnostics: Array<{ file: string; line: number; column: number; jsonPath: string; level: string; rule?: string; message: string }>;
}

describe('policy lint on the built-in policies', () => {
  it('passes the shipped strict.json and ingest.json with no errors and no warnings, even under --strict', async () => {
    await withWorkspace(async (ws) => {
      for (const args of [
        [strictFile, ingestFile],
        ['--strict', strictFile, ingestFile],
      ]) {
        const run = await runMain(['policy', 'lint', ...args], ws);
        assert.equal(run.code, 0, show(run));
        assert.equal(run.stdout, '', 'no diagnostics are printed');
        assert.ok(run.stderr.includes('2 file(s): 0 error(s), 0 warning(s)'), show(run));
      }
    });
  });

  it('finds the built-ins by name from an empty workspace', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'lint', '--strict', 'strict', 'ingest'], ws);
      assert.equal(run.code, 0, show(run));
      assert.equal(run.stdout, '');
    });
  });

  it('reports zero diagnostics for the built-ins as parseable --json', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'lint', '--json', strictFile, ingestFile], ws);
      assert.equal(run.code, 0, show(run));
      assert.deepEqual(JSON.parse(run.stdout), { errors: 0, warnings: 0, diagnostics: [] });
    });
  });
});

interface WarningCase {
  rule: string;
  /** What the policy does, for the title. */
  what: string;
  text: string;
  line: number;
  column: number;
  jsonPath: string;
  says: string;
}

const head = ['{', '  "version": 1,', '  "name": "w",'];

const warningCases: readonly WarningCase[] = [
  {
    rule: 'write-outside-runs',
    what: 'a write grant outside runs/',
    text: lines(...head, '  "fs": {', '    "write": {', '      "allow": ["data/out/**"]', '    }', '  }', '}'),
    line: 6,
    column: 17, // `      "allow": [` is 16 characters
    jsonPath: 'fs.write.allow[0]',
    says: 'write grant "data/out/**" lies outside runs/',
  },
  {
    rule: 'root-globstar',
    what: 'a "**" read grant at the workspace root',
    text: lines(...head, '  "fs": {', '    "read": {', '      "allow": ["**"]', '    }', '  }', '}'),
    line: 6,
    column: 17,
    jsonPath: 'fs.read.allow[0]',
    says: '"**" grants read of the whole workspace',
  },
  {
    rule: 'absolute-path',
    what: 'an absolute read path',
    text: lines(...head, '  "fs": {', '    "read": {', '      "allow": ["/etc/hosts"]', '    }', '  }', '}'),
    line: 6,
    column: 17,
    jsonPath: 'fs.read.allow[0]',
    says: 'absolute path "/etc/hosts"',
  },
  {
    rule: 'dead-deny',
    what: 'a deny that no allow rule reaches',
    text: lines(...head, '  "fs": {', '    "read": {', '      "allow": ["data/**"],', '      "deny": ["logs/**"]', '    }', '  }', '}'),
    line: 7,
    column: 16, // `      "deny": [` is 15 characters
    jsonPath: 'fs.read.deny[0]',
    says: 'deny "logs/**" can never match',
  },
  {
    rule: 'dead-allow',
    what: 'an allow that a deny covers entirely',
    text: lines(...head, '  "fs": {', '    "read": {', '      "allow": ["data/**", "data/tmp/**"],', '      "deny": ["data/tmp/**"]', '    }', '  }', '}'),
    line: 6,
    column: 28, // `      "allow": ["data/**", ` is 27 characters
    jsonPath: 'fs.read.allow[1]',
    says: 'allow "data/tmp/**" is covered by deny "data/tmp/**"',
  },
  {
    rule: 'env-pass-all',
    what: 'env.pass "*"',
    text: lines(...head, '  "env": {', '    "pass": ["*"]', '  }', '}'),
    line: 5,
    column: 14, // `    "pass": [` is 13 characters
    jsonPath: 'env.pass[0]',
    says: 'env.pass "*" passes every parent variable',
  },
  {
    rule: 'process-escape',
    what: 'process.childProcess true',
    text: lines(...head, '  "process": {', '    "childProcess": true', '  }', '}'),
    line: 5,
    column: 21, // `    "childProcess": ` is 20 characters
    jsonPath: 'process.childProcess',
    says: 'process.childProcess is allowed',
  },
  {
    rule: 'os-layer-unenforced',
    what: 'a deny inside a writable area, which the kernel cannot hold',
    text: lines(
      ...head,
      '  "fs": {',
      '    "read": {',
      '      "allow": ["{runDir}/**"],',
      '      "deny": ["{runDir}/secret.txt"]',
      '    },',
      '    "write": {',
      '      "allow": ["{runDir}/**"]',
      '    }',
      '  }',
      '}',
    ),
    line: 7,
    column: 16, // `      "deny": [` is 15 characters
    jsonPath: 'fs.read.deny[0]',
    says: 'fs.read.deny "{runDir}/secret.txt" is not enforced by the OS layer: it may match paths inside the writable area "{runDir}/**"',
  },
  {
    rule: 'duplicate-key',
    what: 'a key given twice',
    text: lines(...head, '  "net": false,', '  "net": false', '}'),
    line: 5, // the second occurrence
    column: 3,
    jsonPath: 'net',
    says: 'key given twice',
  },
];

describe('policy lint warnings', () => {
  for (const c of warningCases) {
    it(`warns about ${c.what} at its line and column as [${c.rule}], exiting 0, or 1 with --strict`, async () => {
      await withWorkspace(async (ws) => {
        const file = writeFile(ws, `${c.rule}.json`, c.text);
        const expected = new RegExp(
          `^${escapeRe(`${file}:${c.line}:${c.column}: warning: ${c.jsonPath}: `)}.*${escapeRe(c.says)}.* ${escapeRe(`[${c.rule}]`)}$`,
        );

        const plain = await runMain(['policy', 'lint', file], ws);
        assert.equal(plain.code, 0, show(plain));
        assert.deepEqual(plain.stdout.split('\n').filter(Boolean).length, 1, `exactly one warning:\n${show(plain)}`);
        assert.match(plain.stdout.trimEnd(), expected);
        assert.ok(plain.stderr.includes('1 file(s): 0 error(s), 1 warning(s)'), show(plain));

        const strict = await runMain(['policy', 'lint', '--strict', file], ws);
        assert.equal(strict.code, 1, show(strict));
        assert.match(strict.stdout.trimEnd(), expected);

        const json = await runMain(['policy', 'lint', '--json', file], ws);
        assert.equal(json.code, 0, show(json));
        const report = JSON.parse(json.stdout) as LintReport;
        assert.equal(report.errors, 0);
        assert.equal(report.warnings, 1);
        const [d] = report.diagnostics;
        assert.ok(d);
        assert.deepEqual(
          { file: d.file, line: d.line, column: d.column, jsonPath: d.jsonPath, level: d.level, rule: d.rule },
          { file, line: c.line, column: c.column, jsonPath: c.jsonPath, level: 'warning', rule: c.rule },
        );
        assert.equal(fs.readFileSync(file, 'utf8'), c.text, 'lint never rewrites the file');
      });
    });
  }

  it('reports every warning of a policy in line order', async () => {
    await withWorkspace(async (ws) => {
      const file = writeFile(
        ws,
        'many.json',
        lines(...head, '  "fs": {', '    "write": {', '      "allow": ["data/out/**"]', '    }', '  },', '  "env": {', '    "pass": ["*"]', '  }', '}'),
      );
      const run = await runMain(['policy', 'lint', file], ws);
      assert.equal(run.code, 0, show(run));
      const rules = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => /\[([a-z-]+)\]$/.exec(l)?.[1]);
      assert.deepEqual(rules, ['write-outside-runs', 'env-pass-all']);
    });
  });

  it('silences write-outside-runs when the policy acknowledges it, and nothing else', async () => {
    await withWorkspace(async (ws) => {
      const only = writeFile(
        ws,
        'ack-only.json',
        lines(...head, '  "fs": {', '    "write": {', '      "allow": ["data/out/**"]', '    }', '  },', '  "acknowledge": ["write-outside-runs"]', '}'),
      );
      const quiet = await runMain(['policy', 'lint', '--strict', only], ws);
      assert.equal(quiet.code, 0, show(quiet));
      assert.equal(quiet.stdout, '');

      const mixed = writeFile(
        ws,
        'ack-mixed.json',
        lines(
          ...head,
          '  "fs": {',
          '    "write": {',
          '      "allow": ["data/out/**"]',
          '    }',
          '  },',
          '  "env": {',
          '    "pass": ["*"]',
          '  },',
          '  "acknowledge": ["write-outside-runs"]',
          '}',
        ),
      );
      const loud = await runMain(['policy', 'lint', '--strict', mixed], ws);
      assert.equal(loud.code, 1, show(loud));
      const shown = loud.stdout.split('\n').filter(Boolean);
      assert.equal(shown.length, 1, show(loud));
      assert.ok(shown[0]?.startsWith(`${mixed}:10:14: warning: env.pass[0]: `), show(loud));
      assert.ok(shown[0]?.endsWith('[env-pass-all]'), show(loud));
    });
  });

  it('keeps --json parseable when a file does not load, with exit 2', async () => {
    await withWorkspace(async (ws) => {
      const broken = writeFile(ws, 'broken.json', lines('{', '  "version": 1,', '  "name": "x",', '}'));
      const warned = writeFile(ws, 'warned.json', lines(...head, '  "env": {', '    "pass": ["*"]', '  }', '}'));
      const run = await runMain(['policy', 'lint', '--json', broken, warned], ws);
      assert.equal(run.code, 2, show(run));
      const report = JSON.parse(run.stdout) as LintReport;
      assert.ok(report.errors >= 1);
      assert.equal(report.warnings, 1);
      assert.ok(report.diagnostics.some((d) => d.file === broken && d.level === 'error' && d.line === 4 && d.column === 1));
      assert.ok(report.diagnostics.some((d) => d.file === warned && d.level === 'warning' && d.rule === 'env-pass-all'));
      assert.equal(run.stderr, '', 'the human summary stays off a --json run');
    });
  });
});

describe('policy check', () => {
  it('denies a read of the shared portfolio_candidates.json under strict with exit 3 and quotes the reason', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'read', 'data/lakehouse/portfolio_candidates.json', '--run-id', 'x'], ws);
      assert.equal(run.code, 3, show(run));
      assert.equal(
        run.stdout,
        'read denied: data/lakehouse/portfolio_candidates.json (policy strict, fs.read.deny "data/lakehouse/portfolio_candidates.json": ' +
          "strict isolation: use your run's own portfolio_candidates.json)\n",
      );
    });
  });

  it('gives the denial as structured JSON with --json, still exiting 3', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'read', 'data/lakehouse/portfolio_candidates.json', '--run-id', 'x', '--json'], ws);
      assert.equal(run.code, 3, show(run));
      const d = JSON.parse(run.stdout) as {
        allowed: boolean;
        op: string;
        path: string;
        resolved: string;
        policy: string;
        runId: string;
        reason: string;
        rule: { list: string; pattern: string; origin: { file: string; jsonPath: string } };
      };
      assert.equal(d.allowed, false);
      assert.equal(d.op, 'read');
      assert.equal(d.path, 'data/lakehouse/portfolio_candidates.json');
      assert.equal(d.resolved, path.join(ws, 'data', 'lakehouse', 'portfolio_candidates.json'));
      assert.equal(d.policy, 'strict');
      assert.equal(d.runId, 'x');
      assert.match(d.reason, /^strict isolation/);
      assert.equal(d.rule.list, 'fs.read.deny');
      assert.equal(d.rule.pattern, 'data/lakehouse/portfolio_candidates.json');
      assert.deepEqual({ file: d.rule.origin.file, jsonPath: d.rule.origin.jsonPath }, { file: strictFile, jsonPath: 'fs.read.deny[0]' });
    });
  });

  it('allows a read of a lakehouse file under strict with exit 0', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'read', 'data/lakehouse/AAPL.csv'], ws);
      assert.equal(run.code, 0, show(run));
      assert.ok(run.stdout.startsWith('read allowed: data/lakehouse/AAPL.csv (policy strict, fs.read.allow "data/lakehouse/**"'), show(run));
    });
  });

  it('denies a write into the shared lakehouse under strict with exit 3: no allow rule matches', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'write', 'data/lakehouse/AAPL.csv'], ws);
      assert.equal(run.code, 3, show(run));
      assert.equal(run.stdout, 'write denied: data/lakehouse/AAPL.csv (policy strict, fs.write: no allow rule matches)\n');
    });
  });

  it("allows a write into the sleeve's own run directory with exit 0", async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'write', 'runs/x/out.json', '--run-id', 'x'], ws);
      assert.equal(run.code, 0, show(run));
      assert.ok(run.stdout.startsWith('write allowed: runs/x/out.json (policy strict, fs.write.allow "{runDir}/**"'), show(run));
    });
  });

  it("denies a write into another run's directory with exit 3", async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'write', 'runs/y/out.json', '--run-id', 'x'], ws);
      assert.equal(run.code, 3, show(run));
      assert.ok(run.stdout.includes('no allow rule matches'), show(run));
    });
  });

  it('changes nothing in the workspace: no run directory is created and the files stay as they were', async () => {
    await withWorkspace(async (ws) => {
      const before = fs.readdirSync(ws, { recursive: true }).map(String).sort();
      await runMain(['policy', 'check', 'strict', 'write', 'runs/x/out.json', '--run-id', 'x'], ws);
      await runMain(['policy', 'check', 'strict', 'write', 'data/lakehouse/AAPL.csv'], ws);
      assert.deepEqual(fs.readdirSync(ws, { recursive: true }).map(String).sort(), before);
      assert.equal(fs.readFileSync(path.join(ws, 'data', 'lakehouse', 'portfolio_candidates.json'), 'utf8'), '[]\n');
    });
  });

  it('refuses an operation other than read or write with exit 2', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'check', 'strict', 'delete', 'data/lakehouse/AAPL.csv'], ws);
      assert.equal(run.code, 2, show(run));
      assert.ok(run.stderr.includes('Allowed choices are read, write'), show(run));
    });
  });
});

const overrideText = lines(
  '{',
  '  "version": 1,',
  '  "name": "strict",',
  '  "description": "workspace override of strict",',
  '  "fs": {',
  '    "read": {',
  '      "allow": ["data/lakehouse/**"],',
  '      "deny": [{ "path": "data/lakehouse/AAPL.csv", "reason": "workspace says no" }]',
  '    }',
  '  }',
  '}',
);

describe('workspace policies', () => {
  it('uses policies/strict.json in the workspace instead of the built-in, and explain names its file', async () => {
    await withWorkspace(async (ws) => {
      const own = writeFile(ws, 'policies/strict.json', overrideText);

      const explain = await runMain(['policy', 'explain', 'strict'], ws);
      assert.equal(explain.code, 0, show(explain));
      assert.equal(explain.stdout.split('\n')[0], `Policy "strict" (workspace: ${own})`);
      assert.ok(explain.stdout.includes('DENIED:  data/lakehouse/AAPL.csv (workspace says no)'), show(explain));
      assert.ok(!explain.stdout.includes('strict isolation'), 'the built-in is replaced, not merged');

      const json = await runMain(['policy', 'explain', 'strict', '--json'], ws);
      assert.equal(json.code, 0, show(json));
      const effective = JSON.parse(json.stdout) as { chain: Array<{ name: string; file: string; kind: string }> };
      assert.deepEqual(effective.chain, [{ name: 'strict', file: own, kind: 'workspace' }]);

      const denied = await runMain(['policy', 'check', 'strict', 'read', 'data/lakehouse/AAPL.csv'], ws);
      assert.equal(denied.code, 3, show(denied));
      assert.ok(denied.stdout.includes('workspace says no'), show(denied));
      const allowed = await runMain(['policy', 'check', 'strict', 'read', 'data/lakehouse/portfolio_candidates.json'], ws);
      assert.equal(allowed.code, 0, show(allowed));
    });
  });

  it('finds the workspace override through --workspace from another directory', async () => {
    await withWorkspace(async (ws) => {
      const own = writeFile(ws, 'policies/strict.json', overrideText);
      const elsewhere = path.join(ws, 'data');
      const explain = await runMain(['policy', 'explain', 'strict', '--workspace', ws], elsewhere);
      assert.equal(explain.code, 0, show(explain));
      assert.equal(explain.stdout.split('\n')[0], `Policy "strict" (workspace: ${own})`);
      const check = await runMain(['policy', 'check', 'strict', 'read', 'data/lakehouse/AAPL.csv', '-w', ws], elsewhere);
      assert.equal(check.code, 3, show(check));
      assert.ok(check.stdout.includes('workspace says no'), show(check));
    });
  });
});

describe('policy explain', () => {
  it('prints the effective built-in strict policy as JSON with the deny reason', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'explain', 'strict', '--json'], ws);
      assert.equal(run.code, 0, show(run));
      const shipped = JSON.parse(fs.readFileSync(strictFile, 'utf8')) as { fs: { read: { deny: Array<{ path: string; reason: string }> } } };
      const effective = JSON.parse(run.stdout) as {
        name: string;
        chain: Array<{ name: string; file: string; kind: string }>;
        fs: { read: { allow: string[]; deny: unknown[] }; write: { allow: string[]; deny: unknown[] } };
        net: boolean;
      };
      assert.equal(effective.name, 'strict');
      assert.deepEqual(effective.chain, [{ name: 'strict', file: strictFile, kind: 'builtin' }]);
      assert.deepEqual(effective.fs.read.deny, shipped.fs.read.deny);
      assert.deepEqual(effective.fs.read.deny, [
        { path: 'data/lakehouse/portfolio_candidates.json', reason: "strict isolation: use your run's own portfolio_candidates.json" },
      ]);
      assert.deepEqual(effective.fs.write.allow, ['{runDir}/**']);
      assert.equal(effective.net, false);
    });
  });

  it('explains the strict policy in plain words, with the denied path and its reason', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'explain', 'strict'], ws);
      assert.equal(run.code, 0, show(run));
      assert.equal(run.stdout.split('\n')[0], `Policy "strict" (builtin: ${strictFile})`);
      assert.ok(run.stdout.includes("DENIED:  data/lakehouse/portfolio_candidates.json (strict isolation: use your run's own portfolio_candidates.json)"));
      assert.ok(run.stdout.includes('Network: denied.'));
    });
  });

  it('shows env.pass and env.set, what never passes, and the sandbox variables', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'explain', 'strict'], ws);
      assert.equal(run.code, 0, show(run));
      const lines = run.stdout.split('\n');
      assert.ok(lines.includes('  passed from the parent (env.pass): PATH, TV_*'), show(run));
      assert.ok(lines.includes('  set (env.set): PORTFOLIO_DATA_SOURCE=lakehouse_only, TV_STRICT_HEALTH=1, TV_STRICT_ISOLATION=1'), show(run));
      assert.ok(
        lines.some((l) => l.includes('NODE_* variables') && l.includes('never passed')),
        show(run),
      );
      assert.ok(
        lines.some((l) => l.includes('TMPDIR (runs/<run id>/tmp)')),
        show(run),
      );
      const json = JSON.parse((await runMain(['policy', 'explain', 'strict', '--json'], ws)).stdout) as {
        env: { pass: string[]; set: Record<string, string> };
      };
      assert.deepEqual(json.env.pass, ['PATH', 'TV_*']);
      assert.deepEqual(Object.keys(json.env.set), ['PORTFOLIO_DATA_SOURCE', 'TV_STRICT_HEALTH', 'TV_STRICT_ISOLATION']);
    });
  });
});

describe('policy schema', () => {
  it('prints JSON equal to the shipped policies/schema/policy.schema.json', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'schema'], ws);
      assert.equal(run.code, 0, show(run));
      assert.deepEqual(JSON.parse(run.stdout), JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
    });
  });

  it('is the file the built-in policies name in "$schema"', () => {
    for (const file of [strictFile, ingestFile]) {
      const { $schema } = JSON.parse(fs.readFileSync(file, 'utf8')) as { $schema: string };
      assert.equal(path.resolve(path.dirname(file), $schema), schemaFile, file);
    }
  });

  it('is regenerated and published by package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };
    assert.ok(pkg.scripts['schema']?.endsWith('> policies/schema/policy.schema.json'), `scripts.schema: ${pkg.scripts['schema']}`);
    const shipped = 'policies/schema/policy.schema.json';
    assert.ok(
      pkg.files.some((f) => picomatch(f)(shipped) || shipped.startsWith(`${f.replace(/\/$/, '')}/`)),
      `files: ${JSON.stringify(pkg.files)}`,
    );
  });
});

describe('help, version and usage errors', () => {
  const helps: ReadonlyArray<[string[], string, string[]]> = [
    [['--help'], 'Usage: sleeve-sandbox [options] [command]', ['policy']],
    [['-h'], 'Usage: sleeve-sandbox [options] [command]', ['policy']],
    [['help', 'policy'], 'Usage: sleeve-sandbox policy [options] [command]', ['lint', 'explain', 'check', 'schema']],
    [['policy', '--help'], 'Usage: sleeve-sandbox policy [options] [command]', ['lint', 'explain', 'check', 'schema']],
    [['policy', 'lint', '--help'], 'Usage: sleeve-sandbox policy lint [options] <files...>', ['--strict', '--json', '--workspace']],
    [['policy', 'explain', '--help'], 'Usage: sleeve-sandbox policy explain [options] <policy>', ['--json', '--workspace']],
    [['policy', 'check', '--help'], 'Usage: sleeve-sandbox policy check [options] <policy> <op> <path>', ['--run-id', '--json', '--workspace']],
    [['policy', 'schema', '--help'], 'Usage: sleeve-sandbox policy schema [options]', ['JSON Schema']],
  ];
  for (const [argv, usage, mentions] of helps) {
    it(`prints usage for "${argv.join(' ')}" on stdout with exit 0`, async () => {
      await withWorkspace(async (ws) => {
        const run = await runMain(argv, ws);
        assert.equal(run.code, 0, show(run));
        assert.equal(run.stdout.split('\n')[0], usage);
        for (const word of mentions) assert.ok(run.stdout.includes(word), `expected ${word} in:\n${run.stdout}`);
        assert.equal(run.stderr, '');
      });
    });
  }

  it('prints help for "policy help lint" with exit 0', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'help', 'lint'], ws);
      assert.equal(run.code, 0, show(run));
      assert.equal(run.stdout.split('\n')[0], 'Usage: sleeve-sandbox policy lint [options] <files...>');
    });
  });

  for (const flag of ['--version', '-V']) {
    it(`prints the package.json version for ${flag}`, async () => {
      await withWorkspace(async (ws) => {
        const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
        const run = await runMain([flag], ws);
        assert.equal(run.code, 0, show(run));
        assert.equal(run.stdout, `${version}\n`);
      });
    });
  }

  const usageErrors: ReadonlyArray<[string, string[], string]> = [
    ['an unknown command', ['bogus'], "unknown command 'bogus'"],
    ['an unknown top-level option', ['--bogus'], "unknown option '--bogus'"],
    ['an unknown lint option', ['policy', 'lint', '--bogus', 'strict'], "unknown option '--bogus'"],
    ['an unknown check option', ['policy', 'check', 'strict', 'read', 'x', '--bogus'], "unknown option '--bogus'"],
    ['lint without files', ['policy', 'lint'], "missing required argument 'files'"],
    ['check without a path', ['policy', 'check', 'strict', 'read'], "missing required argument 'path'"],
    ['schema with an extra argument', ['policy', 'schema', 'extra'], 'too many arguments'],
    ['no arguments at all', [], 'Usage: sleeve-sandbox'],
  ];
  for (const [what, argv, says] of usageErrors) {
    it(`exits 2 for ${what}`, async () => {
      await withWorkspace(async (ws) => {
        const run = await runMain(argv, ws);
        assert.equal(run.code, 2, show(run));
        assert.ok(`${run.stdout}${run.stderr}`.includes(says), show(run));
      });
    });
  }

  it('exits 2 for an unknown policy subcommand', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'bogus'], ws);
      assert.equal(run.code, 2, show(run));
    });
  });

  it('names the unknown policy subcommand in the error', async () => {
    await withWorkspace(async (ws) => {
      const run = await runMain(['policy', 'bogus'], ws);
      assert.ok(run.stderr.includes("unknown command 'bogus'"), show(run));
    });
  });

  it('keeps check and explain --json output parseable when the policy does not load', async () => {
    await withWorkspace(async (ws) => {
      for (const argv of [
        ['policy', 'check', 'missing.json', 'read', 'data/lakehouse/AAPL.csv', '--json'],
        ['policy', 'explain', 'missing.json', '--json'],
      ]) {
        const run = await runMain(argv, ws);
        assert.equal(run.code, 2, show(run));
        assert.doesNotThrow(() => JSON.parse(run.stdout), show(run));
      }
    });
  });
});
