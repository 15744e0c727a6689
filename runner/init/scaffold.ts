/**
 * The files `sleeve-sandbox init` writes: a workspace that `run` accepts with
 * no flags (a lakehouse placeholder, a policy that extends `strict` with its
 * test file, a manifest, a typed TypeScript sleeve, a README, .gitignore).
 * Pure: the caller decides where the JSON Schemas are (`schemaRefs`) and
 * writes the files.
 *
 * The sleeve's type file, sleeves/sleeve-context.ts: when the package is
 * installed in the workspace or above (node_modules/sleeve-sandbox), a
 * type-only re-export of the package's `SleeveContext` (one source); else a
 * copy of it from sandbox/context.ts, so a workspace without the package
 * still type-checks (a test pins the copy to the source). The sleeve imports
 * it from './sleeve-context.ts' either way.
 */

export interface ScaffoldOptions {
  /** The name of the workspace policy (policies/<name>.json). */
  policyName: string;
  /** `$schema` values as the editor resolves them from policies/: the policy schema and the policy test schema. */
  schemaRefs: { policy: string; policyTest: string };
  /** The package resolves from the workspace: sleeve-context.ts re-exports its types instead of a copy. */
  packageTypes?: boolean;
}

export interface ScaffoldFile {
  /** Relative to the workspace, with `/`. */
  path: string;
  text: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The declarations of sandbox/context.ts a sleeve is written against, as they are there. */
export const SLEEVE_CONTEXT_TYPES = `export interface SleeveStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
  isDirectory: boolean;
}

export interface SleeveFs {
  readFile(path: string, encoding?: BufferEncoding): Promise<string | Uint8Array>;
  readText(path: string): Promise<string>;
  readJson(path: string): Promise<unknown>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  writeText(path: string, text: string): Promise<void>;
  writeJson(path: string, value: unknown): Promise<void>;
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<SleeveStat>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

export interface SleeveContext {
  runId: string;
  runDir: string;
  name: string;
  workspace: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  fs: SleeveFs;
  log(...args: unknown[]): void;
}
`;

const CONTEXT_FILE = `// The context a sleeve's default export receives from sleeve-sandbox (a copy of
// SleeveContext in the package's sandbox/context.ts). Sleeves use only this
// object: no node:* imports, so the same file runs in process and isolate mode.

/** The encodings ctx.fs.readFile takes (Node's BufferEncoding). */
export type BufferEncoding = 'ascii' | 'utf8' | 'utf-8' | 'utf16le' | 'utf-16le' | 'ucs2' | 'ucs-2' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'hex';

${SLEEVE_CONTEXT_TYPES}`;

const CONTEXT_REEXPORT = `// The context a sleeve's default export receives from sleeve-sandbox, from the
// package installed here (type-only: erased when the runner compiles a sleeve).
// Sleeves use only this object: no node:* imports, so the same file runs in
// process and isolate mode.
export type { SleeveContext, SleeveFs, SleeveStat } from 'sleeve-sandbox';
`;

const PRICES = `date,symbol,close
2026-01-02,AAA,100.00
2026-01-02,BBB,50.00
2026-01-05,AAA,101.50
2026-01-05,BBB,49.20
2026-01-06,AAA,102.10
2026-01-06,BBB,49.90
2026-01-07,AAA,101.80
2026-01-07,BBB,51.30
`;

const SLEEVE = `// example: reads the lakehouse placeholder and writes a summary into its own run dir.
// The policy lets it read data/lakehouse/** and its run dir, and write only its run dir.

import type { SleeveContext } from './sleeve-context.ts';

export default async function run(ctx: SleeveContext): Promise<void> {
  const text = await ctx.fs.readText(\`\${ctx.workspace}/data/lakehouse/prices.csv\`);
  const rows = text.trim().split('\\n').slice(1).map((line) => line.split(','));
  const last = new Map<string, number>();
  const first = new Map<string, number>();
  for (const [, symbol, close] of rows) {
    if (symbol === undefined || close === undefined) continue;
    if (!first.has(symbol)) first.set(symbol, Number(close));
    last.set(symbol, Number(close));
  }
  const returns = Object.fromEntries([...last].map(([symbol, close]) => [symbol, close / (first.get(symbol) ?? close) - 1]));
  await ctx.fs.writeJson(\`\${ctx.runDir}/summary.json\`, { sleeve: ctx.name, runId: ctx.runId, rows: rows.length, returns });
  ctx.log(\`\${ctx.name}: \${rows.length} rows, summary in \${ctx.runDir}/summary.json\`);
}
`;

function readme(policyName: string): string {
  return `# A sleeve-sandbox workspace

Made by \`sleeve-sandbox init\`. Run it from here (or any directory below) with no flags:

\`\`\`sh
sleeve-sandbox run
\`\`\`

\`run\` finds \`sleeve-manifest.json\` here, runs each sleeve it lists under the policy
\`policies/${policyName}.json\`, and prints the verdict; the reports go to \`reports/<batch id>/\`,
each sleeve's output to \`runs/<run id>/\`.

| Path | What |
|---|---|
| \`sleeve-manifest.json\` | the sleeves to run and their default policy |
| \`sleeves/example.ts\` | a sleeve: reads the lakehouse, writes \`summary.json\` in its run dir |
| \`sleeves/sleeve-context.ts\` | the type of \`ctx\` a sleeve receives |
| \`data/lakehouse/\` | the shared data every sleeve may read (placeholder: \`prices.csv\`) |
| \`policies/${policyName}.json\` | the policy: extends the built-in \`strict\` |
| \`policies/${policyName}.test.json\` | its tests: \`sleeve-sandbox policy test\` |

Next steps: put your data in \`data/lakehouse/\`, add sleeves to \`sleeves/\` and to the manifest,
check what the policy allows with \`sleeve-sandbox policy explain ${policyName}\`, and prune old
runs with \`sleeve-sandbox runs clean --keep 10\`.
`;
}

export function scaffoldFiles(opts: ScaffoldOptions): ScaffoldFile[] {
  const name = opts.policyName;
  return [
    { path: 'data/lakehouse/prices.csv', text: PRICES },
    {
      path: `policies/${name}.json`,
      text: json({
        $schema: opts.schemaRefs.policy,
        version: 1,
        name,
        description: "This workspace's sleeves: the built-in strict policy (read the lakehouse and your run dir, write only your run dir).",
        extends: 'strict',
      }),
    },
    {
      path: `policies/${name}.test.json`,
      text: json({
        $schema: opts.schemaRefs.policyTest,
        version: 1,
        cases: [
          { name: 'the lakehouse is readable', op: 'read', path: 'data/lakehouse/prices.csv', expect: 'allow' },
          { name: 'the lakehouse is not writable', op: 'write', path: 'data/lakehouse/prices.csv', expect: 'deny' },
          { name: 'a sleeve writes its own run dir', op: 'write', path: 'runs/r1/summary.json', runId: 'r1', expect: 'allow' },
          { name: 'a sleeve does not write another run dir', op: 'write', path: 'runs/r2/summary.json', runId: 'r1', expect: 'deny' },
          { name: 'a sleeve does not read the policies', op: 'read', path: `policies/${name}.json`, expect: 'deny' },
        ],
      }),
    },
    { path: 'sleeve-manifest.json', text: json({ version: 1, policy: name, sleeves: [{ name: 'example', entry: 'sleeves/example.ts' }] }) },
    { path: 'sleeves/example.ts', text: SLEEVE },
    { path: 'sleeves/sleeve-context.ts', text: opts.packageTypes ? CONTEXT_REEXPORT : CONTEXT_FILE },
    {
      path: 'tsconfig.json',
      text: json({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: [],
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
        },
        include: ['sleeves/**/*.ts'],
      }),
    },
    { path: 'README.md', text: readme(name) },
    { path: '.gitignore', text: 'runs/\nreports/\n' },
  ];
}
