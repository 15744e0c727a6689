/**
 * `sleeve-sandbox init` through the real bin: it scaffolds a workspace where
 * `policy test` passes and a bare `run` (no flags, from the workspace or a
 * directory below it) exits 0 with verdict clean; the policies' `$schema`
 * resolves (as an editor resolves it) to an existing schema, relative to
 * node_modules/sleeve-sandbox when the package is installed; the sleeve type
 * checks and its context type is the runner's; it never overwrites (exit 2,
 * naming the file, nothing written). Also the path errors of a bare `run`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SLEEVE_CONTEXT_TYPES } from '../../../runner/init/scaffold.js';
import { makeTempDir, snapshotTree, writeTree } from '../../helpers/tmp.js';
import { repoRoot, runBin, runMain, show } from '../audit/harness.js';

const FILES = [
  '.gitignore',
  'README.md',
  'data/lakehouse/prices.csv',
  'policies/sleeves.json',
  'policies/sleeves.test.json',
  'sleeve-manifest.json',
  'sleeves/example.ts',
  'sleeves/sleeve-context.ts',
  'tsconfig.json',
];

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** What an editor does with `$schema`: a URL reference resolved against the file's own URL. */
function resolveSchema(file: string): string {
  const ref = (JSON.parse(fs.readFileSync(file, 'utf8')) as { $schema: string }).$schema;
  return fileURLToPath(new URL(ref, pathToFileURL(file)));
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = makeTempDir('sleeve-init-');
  try {
    await fn(tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

describe('init', () => {
  it('scaffolds a workspace where policy test passes and a bare run is clean', async () => {
    await withTmp(async (dir) => {
      const init = await runBin(['init', 'ws'], dir);
      assert.equal(init.code, 0, show(init));
      const ws = path.join(dir, 'ws');
      assert.deepEqual(listFiles(ws), FILES);
      assert.match(init.stdout, /next: cd ws && sleeve-sandbox run/);
      assert.equal(fs.readFileSync(path.join(ws, '.gitignore'), 'utf8'), 'runs/\nreports/\n');
      const policy = JSON.parse(fs.readFileSync(path.join(ws, 'policies', 'sleeves.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(policy.extends, 'strict');
      // Not a dependency here: the absolute path of this package's schemas.
      assert.equal(resolveSchema(path.join(ws, 'policies', 'sleeves.json')), path.join(repoRoot, 'policies', 'schema', 'policy.schema.json'));
      assert.equal(resolveSchema(path.join(ws, 'policies', 'sleeves.test.json')), path.join(repoRoot, 'policies', 'schema', 'policy-test.schema.json'));

      const tests = await runBin(['policy', 'test'], ws);
      assert.equal(tests.code, 0, show(tests));
      assert.match(`${tests.stdout}${tests.stderr}`, /5 case\(s\): 5 passed, 0 failed/);

      const run = await runBin(['run', '--json'], ws);
      assert.equal(run.code, 0, show(run));
      const summary = JSON.parse(run.stdout) as { verdict: string; workspace: string; sleeves: Array<{ name: string; runDir: string; status: string }> };
      assert.equal(summary.verdict, 'clean');
      assert.equal(summary.workspace, ws);
      assert.equal(summary.sleeves[0]?.status, 'ok');
      const out = JSON.parse(fs.readFileSync(path.join(summary.sleeves[0]?.runDir as string, 'summary.json'), 'utf8')) as {
        rows: number;
        returns: Record<string, number>;
      };
      assert.equal(out.rows, 8);
      assert.ok(Math.abs((out.returns.AAA as number) - 0.018) < 1e-9);

      // From a directory below: the manifest is found above, and the workspace is its directory.
      fs.mkdirSync(path.join(ws, 'notes', 'deep'), { recursive: true });
      const below = await runBin(['run', '--json'], path.join(ws, 'notes', 'deep'));
      assert.equal(below.code, 0, show(below));
      assert.ok(
        below.stderr.includes(`sleeve-sandbox: manifest ${path.join(ws, 'sleeve-manifest.json')} (found from the current directory), workspace ${ws}`),
        show(below),
      );
      assert.equal((JSON.parse(below.stdout) as { workspace: string }).workspace, ws);
      assert.equal(fs.existsSync(path.join(ws, 'notes', 'deep', 'runs')), false);
    });
  });

  it('points $schema at node_modules/sleeve-sandbox by a relative path when the package is installed', async () => {
    await withTmp(async (dir) => {
      const schemaDir = path.join(dir, 'node_modules', 'sleeve-sandbox', 'policies', 'schema');
      fs.mkdirSync(schemaDir, { recursive: true });
      for (const f of ['policy.schema.json', 'policy-test.schema.json']) fs.copyFileSync(path.join(repoRoot, 'policies', 'schema', f), path.join(schemaDir, f));
      const init = await runBin(['init', 'pipelines/ws'], dir);
      assert.equal(init.code, 0, show(init));
      const file = path.join(dir, 'pipelines', 'ws', 'policies', 'sleeves.json');
      assert.equal(
        (JSON.parse(fs.readFileSync(file, 'utf8')) as { $schema: string }).$schema,
        '../../../node_modules/sleeve-sandbox/policies/schema/policy.schema.json',
      );
      assert.equal(resolveSchema(file), path.join(schemaDir, 'policy.schema.json'));
      assert.ok(fs.existsSync(resolveSchema(path.join(dir, 'pipelines', 'ws', 'policies', 'sleeves.test.json'))));
    });
  });

  it("writes a sleeve that type-checks against a copy of the runner's SleeveContext", async () => {
    const source = fs.readFileSync(path.join(repoRoot, 'sandbox', 'context.ts'), 'utf8');
    const blocks = ['SleeveStat', 'SleeveFs', 'SleeveContext'].map((name) => {
      const m = new RegExp(`export interface ${name} \\{[\\s\\S]*?\\n\\}\\n`).exec(source);
      assert.ok(m, `sandbox/context.ts declares ${name}`);
      return m[0];
    });
    assert.equal(SLEEVE_CONTEXT_TYPES, blocks.join('\n'), 'runner/init/scaffold.ts SLEEVE_CONTEXT_TYPES must match sandbox/context.ts');
    await withTmp(async (dir) => {
      const init = await runBin(['init'], dir);
      assert.equal(init.code, 0, show(init));
      const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], {
        encoding: 'utf8',
      });
      assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
      // And a sleeve that misuses ctx does not.
      fs.writeFileSync(
        path.join(dir, 'sleeves', 'bad.ts'),
        "import type { SleeveContext } from './sleeve-context.ts';\nexport default async (ctx: SleeveContext) => { await ctx.fs.readFile(1); ctx.nope(); };\n",
      );
      const bad = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], {
        encoding: 'utf8',
      });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stdout, /bad\.ts.*nope/s);
    });
  });

  it("writes sleeve-context.ts as a re-export of the package's types when the package is installed there, and the sleeve type-checks against it", async () => {
    await withTmp(async (dir) => {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'sleeve-sandbox'));
      const init = await runBin(['init', 'ws'], dir);
      assert.equal(init.code, 0, show(init));
      const ws = path.join(dir, 'ws');
      const context = fs.readFileSync(path.join(ws, 'sleeves', 'sleeve-context.ts'), 'utf8');
      assert.match(context, /^export type \{ SleeveContext, SleeveFs, SleeveStat \} from 'sleeve-sandbox';$/m);
      assert.doesNotMatch(context, /interface/);
      const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const ok = spawnSync(process.execPath, [tsc, '-p', path.join(ws, 'tsconfig.json'), '--listFiles'], { encoding: 'utf8' });
      assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
      assert.match(ok.stdout, /dist\/runner\/api\.d\.ts/);
      fs.writeFileSync(
        path.join(ws, 'sleeves', 'bad.ts'),
        "import type { SleeveContext } from './sleeve-context.ts';\nexport default async (ctx: SleeveContext) => { ctx.nope(); };\n",
      );
      const bad = spawnSync(process.execPath, [tsc, '-p', path.join(ws, 'tsconfig.json')], { encoding: 'utf8' });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stdout, /bad\.ts.*nope/s);
    });
  });

  it('refuses a non-empty directory without --force, and never overwrites a file even with it (exit 2, nothing written)', async () => {
    await withTmp(async (dir) => {
      writeTree(dir, { 'notes.txt': 'mine\n' });
      const before = snapshotTree(dir);
      const refused = await runMain(['init'], dir);
      assert.equal(refused.code, 2, show(refused));
      assert.match(refused.stderr, /is not empty \(notes\.txt\).*--force/);
      assert.deepEqual(snapshotTree(dir), before);

      const forced = await runBin(['init', '--force', '--json'], dir);
      assert.equal(forced.code, 0, show(forced));
      assert.equal((JSON.parse(forced.stdout) as { files: string[] }).files.length, FILES.length);
      assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine\n');

      const other = path.join(dir, 'other');
      writeTree(other, { 'README.md': 'my readme\n', 'data/x': 'x' });
      const before2 = snapshotTree(other);
      const clash = await runMain(['init', 'other', '--force'], dir);
      assert.equal(clash.code, 2, show(clash));
      assert.match(clash.stderr, new RegExp(`init never overwrites: ${path.join(other, 'README.md').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} already exists`));
      assert.match(clash.stderr, /nothing was written/);
      assert.deepEqual(snapshotTree(other), before2);

      writeTree(dir, { afile: 'x' });
      const notDir = await runMain(['init', 'afile'], dir);
      assert.equal(notDir.code, 2, show(notDir));
      assert.match(notDir.stderr, /afile exists and is not a directory/);
      const badName = await runMain(['init', 'x', '--policy-name', 'strict'], dir);
      assert.equal(badName.code, 2, show(badName));
      assert.match(badName.stderr, /built-in policy's name/);
      assert.equal(fs.existsSync(path.join(dir, 'x')), false);
    });
  });

  it('answers a bare run with the likely fix: no manifest, a misspelled entry, a policy typo (exit 2, nothing created)', async () => {
    await withTmp(async (dir) => {
      fs.mkdirSync(path.join(dir, '.git'));
      const none = await runMain(['run'], dir);
      assert.equal(none.code, 2, show(none));
      assert.match(none.stderr, /no sleeve-manifest\.json in .* or above .*the top of this git repository.*sleeve-sandbox init/);

      const init = await runBin(['init', 'ws'], dir);
      assert.equal(init.code, 0, show(init));
      const ws = path.join(dir, 'ws');
      const manifest = path.join(ws, 'sleeve-manifest.json');
      const before = snapshotTree(ws);
      fs.writeFileSync(manifest, JSON.stringify({ version: 1, policy: 'sleeves', sleeves: [{ name: 'example', entry: 'sleeves/Example.js' }] }));
      const entry = await runMain(['run'], ws);
      assert.equal(entry.code, 2, show(entry));
      assert.match(entry.stderr, /entry sleeves\/Example\.js not found.*did you mean "sleeves\/example\.ts"\?/);
      fs.writeFileSync(manifest, JSON.stringify({ version: 1, policy: 'sleevs', sleeves: [{ name: 'example', entry: 'sleeves/example.ts' }] }));
      const policy = await runMain(['run'], ws);
      assert.equal(policy.code, 2, show(policy));
      assert.match(policy.stderr, /no policy named "sleevs".*did you mean "sleeves"\?/);
      const wrongDir = await runMain(['run', '--manifest', 'ws/sleeve-manifest.json'], ws);
      assert.equal(wrongDir.code, 2, show(wrongDir));
      assert.match(wrongDir.stderr, /a relative --manifest is read from the current directory.*did you mean --manifest sleeve-manifest\.json\?/);
      fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8'));
      const after = snapshotTree(ws, (rel) => rel === 'sleeve-manifest.json');
      before.delete('sleeve-manifest.json');
      assert.deepEqual(after, before, 'nothing was created: no runs/, no reports/');
    });
  });
});
