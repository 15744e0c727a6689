/**
 * The configurable run root through the real bin: a batch whose manifest
 * says `"runsDir": "artifacts/summaries/runs"` (the seeds' layout) runs
 * clean with its run dirs, ledger and artifacts there; `{runDir}` follows it
 * (a write to runs/x is denied, not made); a symlinked run root is refused
 * before anything runs and widens nothing; `--runs-dir` overrides the
 * manifest; the policy commands take `--runs-dir`; the example's
 * seed-manifest.json runs clean.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type BatchOutcome, childEnv, readOutcome, repoRoot, runBin, runMain, show } from '../audit/harness.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import { makeTempDir, makeWorkspace, snapshotTree, writeTree } from '../../helpers/tmp.js';

const SEED_ROOT = 'artifacts/summaries/runs';

/** A sleeve that writes its output into its run dir, then (when asked) tries runs/x and the root's parents. */
const SLEEVE = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ runDir: dir, tmp: process.env.TMPDIR }));
const tries = process.argv.slice(2);
const outcomes = {};
for (const rel of tries) {
  const target = path.join(process.env.SLEEVE_WORKSPACE, rel);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, 'x');
    outcomes[rel] = 'written';
  } catch (e) {
    outcomes[rel] = e.code;
  }
}
fs.writeFileSync(path.join(dir, 'tries.json'), JSON.stringify(outcomes));
`;

function workspaceWith(manifest: Record<string, unknown>, cleanups: Array<() => void>): string {
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  fs.rmSync(path.join(ws.dir, 'runs'), { recursive: true });
  writeTree(ws.dir, { 'sleeves/s.mjs': SLEEVE, 'manifest.json': `${JSON.stringify(manifest, null, 2)}\n` });
  return ws.dir;
}

const manifestOf = (extra: Record<string, unknown>, sleeves: Array<Record<string, unknown>>) => ({ version: 1, policy: 'strict', ...extra, sleeves });

describe('a configurable run root (runsDir) through the CLI', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  describe(`a batch with "runsDir": "${SEED_ROOT}"`, () => {
    let ws: string;
    let o: BatchOutcome;
    it('runs clean, exit 0', async () => {
      ws = workspaceWith(
        manifestOf({ runsDir: SEED_ROOT }, [
          { name: 'a', entry: 'sleeves/s.mjs' },
          { name: 'b', entry: 'sleeves/s.mjs' },
        ]),
        cleanups,
      );
      const run = await runBin(['run', '--manifest', 'manifest.json', '--json'], ws, childEnv());
      assert.equal(run.code, 0, show(run));
      o = readOutcome(ws, run);
      assert.equal(o.report.verdict, 'clean', show(run));
      assert.deepEqual(o.report.violations, []);
    });

    it('puts the run dirs, SLEEVE_RUN_DIR, TMPDIR and the batch ledger under the run root, and makes no runs/', () => {
      for (const name of ['a', 'b']) {
        const rel = o.relRunDirs.get(name) as string;
        assert.match(rel, new RegExp(`^${SEED_ROOT}/${name}_[0-9]{14}_[0-9a-f]{6}$`));
        const out = JSON.parse(fs.readFileSync(path.join(ws, rel, 'out.json'), 'utf8')) as { runDir: string; tmp: string };
        assert.equal(out.runDir, path.join(ws, rel));
        assert.equal(out.tmp, path.join(ws, rel, 'tmp'));
      }
      assert.deepEqual(fs.readdirSync(path.join(ws, SEED_ROOT, '.batches')), [`${o.report.batchId}.json`]);
      assert.equal(fs.existsSync(path.join(ws, 'runs')), false, 'no runs/ appears');
    });

    it("lists each sleeve's artifacts from its run dir under the run root in audit.json", () => {
      for (const s of o.report.sleeves) {
        const rel = o.relRunDirs.get(s.name) as string;
        assert.deepEqual(s.artifacts.map((a) => a.path).sort(), [`${rel}/out.json`, `${rel}/tries.json`]);
      }
    });

    it("runs a second batch on the same run root clean: the earlier run dirs are not this batch's doing", async () => {
      const run = await runBin(['run', '--manifest', 'manifest.json', '--json'], ws, childEnv());
      assert.equal(run.code, 0, show(run));
      assert.equal(readOutcome(ws, run).report.verdict, 'clean');
      assert.equal(fs.readdirSync(path.join(ws, SEED_ROOT)).filter((n) => n !== '.batches').length, 4);
    });
  });

  it("denies a write to runs/x, to the root's parents and to another run dir: {runDir} is the run root's, and nothing is made there", async () => {
    const ws = workspaceWith(
      manifestOf({ runsDir: SEED_ROOT }, [{ name: 'a', entry: 'sleeves/s.mjs', args: ['runs/x', 'artifacts/summaries/x', `${SEED_ROOT}/other/x`] }]),
      cleanups,
    );
    const before = snapshotTree(ws, (rel) => rel.startsWith(`${SEED_ROOT}/`) || rel.startsWith('reports'));
    const run = await runBin(['run', '--manifest', 'manifest.json', '--json'], ws, childEnv());
    const o = readOutcome(ws, run);
    assert.equal(run.code, 3, show(run));
    assert.equal(o.report.verdict, 'violations');
    assert.deepEqual(o.report.violations, [], 'the guard refused them: nothing changed');
    const rel = o.relRunDirs.get('a') as string;
    const tries = JSON.parse(fs.readFileSync(path.join(ws, rel, 'tries.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(tries), ['runs/x', 'artifacts/summaries/x', `${SEED_ROOT}/other/x`]);
    for (const [p, code] of Object.entries(tries)) assert.ok(code === 'EACCES' || code === 'ERR_ACCESS_DENIED', `${p}: ${code}`);
    assert.ok((o.report.sleeves[0]?.denials.length ?? 0) >= 3, JSON.stringify(o.report.sleeves[0]?.denials));
    assert.equal(fs.existsSync(path.join(ws, 'runs')), false);
    assert.equal(fs.existsSync(path.join(ws, SEED_ROOT, 'other')), false);
    const after = snapshotTree(ws, (r) => r.startsWith(`${SEED_ROOT}/`) || r.startsWith('reports'));
    // Only the run root's own directories appeared (artifacts, artifacts/summaries, the root): nothing else changed.
    for (const [p, v] of before) assert.equal(after.get(p), v, p);
    assert.deepEqual([...after.keys()].filter((p) => !before.has(p)).sort(), ['artifacts', 'artifacts/summaries', SEED_ROOT]);
  });

  it("takes --runs-dir over the manifest's runsDir", async () => {
    const ws = workspaceWith(manifestOf({ runsDir: SEED_ROOT }, [{ name: 'a', entry: 'sleeves/s.mjs' }]), cleanups);
    const run = await runBin(['run', '--manifest', 'manifest.json', '--runs-dir', 'out/runs', '--json'], ws, childEnv());
    assert.equal(run.code, 0, show(run));
    const o = readOutcome(ws, run);
    assert.match(o.relRunDirs.get('a') as string, /^out\/runs\/a_/);
    assert.equal(fs.existsSync(path.join(ws, 'artifacts')), false);
  });

  describe('attack: a run root reached through a symlink', () => {
    for (const [title, link, target] of [
      ['the run root itself links outside the workspace', SEED_ROOT, 'outside'],
      ['a directory above it links outside the workspace', 'artifacts', 'outside'],
      ['it links into the lakehouse', SEED_ROOT, 'lakehouse'],
    ] as const) {
      it(`is refused (exit 2) when ${title}, and nothing is written there or anywhere`, async () => {
        const ws = workspaceWith(manifestOf({ runsDir: SEED_ROOT }, [{ name: 'a', entry: 'sleeves/s.mjs' }]), cleanups);
        const outside = makeTempDir('sleeve-outside-');
        cleanups.push(outside.cleanup);
        const dest = target === 'outside' ? outside.dir : path.join(ws, 'data', 'lakehouse');
        fs.mkdirSync(path.dirname(path.join(ws, link)), { recursive: true });
        fs.symlinkSync(dest, path.join(ws, link));
        const beforeWs = snapshotTree(ws);
        const beforeOut = snapshotTree(outside.dir);
        const run = await runMain(['run', '--manifest', 'manifest.json'], ws, childEnv());
        assert.equal(run.code, 2, show(run));
        assert.match(run.stderr, /manifest\.json:4:\d+: error: runsDir: /, show(run));
        assert.ok(run.stderr.includes(`goes through the symlink ${link} (-> ${dest})`), show(run));
        assert.deepEqual(snapshotTree(ws), beforeWs, 'the workspace changed');
        assert.deepEqual(snapshotTree(outside.dir), beforeOut, 'the link target changed');
      });
    }

    it('is refused for --runs-dir as well', async () => {
      const ws = workspaceWith(manifestOf({}, [{ name: 'a', entry: 'sleeves/s.mjs' }]), cleanups);
      const outside = makeTempDir('sleeve-outside-');
      cleanups.push(outside.cleanup);
      fs.symlinkSync(outside.dir, path.join(ws, 'out'));
      const run = await runMain(['run', '--manifest', 'manifest.json', '--runs-dir', 'out/runs'], ws, childEnv());
      assert.equal(run.code, 2, show(run));
      assert.ok(run.stderr.includes('--runs-dir "out/runs" goes through the symlink out'), show(run));
      assert.deepEqual(fs.readdirSync(outside.dir), []);
    });
  });

  describe('the policy commands under --runs-dir', () => {
    let ws: string;
    it('policy check decides {runDir} as <runsDir>/<run id>', async () => {
      ws = workspaceWith(manifestOf({}, [{ name: 'a', entry: 'sleeves/s.mjs' }]), cleanups);
      const args = ['policy', 'check', 'strict', 'write', `${SEED_ROOT}/check/x.json`, '--runs-dir', SEED_ROOT];
      assert.equal((await runBin(args, ws, childEnv())).code, 0);
      assert.equal((await runBin(['policy', 'check', 'strict', 'write', 'runs/check/x.json', '--runs-dir', SEED_ROOT], ws, childEnv())).code, 3);
      assert.equal((await runBin(['policy', 'check', 'strict', 'write', 'runs/check/x.json'], ws, childEnv())).code, 0);
      const bad = await runMain(['policy', 'check', 'strict', 'write', 'x', '--runs-dir', 'data/lakehouse/r'], ws, childEnv());
      assert.equal(bad.code, 2, show(bad));
      assert.match(bad.stderr, /--runs-dir "data\/lakehouse\/r" lies inside the shared data layer/);
    });

    it('policy explain names the run root', async () => {
      const run = await runBin(['policy', 'explain', 'strict', '--runs-dir', SEED_ROOT], ws, childEnv());
      assert.equal(run.code, 0, show(run));
      assert.ok(run.stdout.includes(`{runDir} is ${SEED_ROOT}/<run id> in the workspace`), run.stdout);
    });

    it('policy lint warns about a write outside the run root, not about one inside it', async () => {
      writeTree(ws, {
        'policies/seed.json': `${JSON.stringify({ version: 1, name: 'seed', extends: 'strict', fs: { write: { allow: [`${SEED_ROOT}/shared/**`] } } }, null, 2)}\n`,
      });
      const inRuns = await runBin(['policy', 'lint', 'policies/seed.json', '--json'], ws, childEnv());
      assert.match(inRuns.stdout, /write-outside-runs/, show(inRuns));
      const inSeed = await runBin(['policy', 'lint', 'policies/seed.json', '--json', '--runs-dir', SEED_ROOT], ws, childEnv());
      assert.doesNotMatch(inSeed.stdout, /write-outside-runs/, show(inSeed));
    });

    it("policy diff reads {runDir} as <runsDir>/ρ: the own run dir under that root is no widening, another run's is marked", async () => {
      writeTree(ws, {
        'policies/wide.json': `${JSON.stringify({ version: 1, name: 'wide', extends: 'strict', fs: { write: { allow: [`${SEED_ROOT}/*/out.json`] } } }, null, 2)}\n`,
        'policies/own.json': `${JSON.stringify({ version: 1, name: 'own', extends: 'strict', fs: { write: { allow: [`${SEED_ROOT}/{runId}/**`] } } }, null, 2)}\n`,
      });
      const seed = await runBin(['policy', 'diff', 'strict', 'policies/wide.json', '--runs-dir', SEED_ROOT], ws, childEnv());
      assert.equal(seed.code, 0, show(seed));
      assert.ok(seed.stdout.includes(`${SEED_ROOT}/x/out.json (another run's directory)`), seed.stdout);
      const plain = await runBin(['policy', 'diff', 'strict', 'policies/wide.json'], ws, childEnv());
      assert.ok(plain.stdout.includes(`${SEED_ROOT}/x/out.json`) && !plain.stdout.includes("another run's directory"), plain.stdout);
      const own = await runBin(['policy', 'diff', 'strict', 'policies/own.json', '--runs-dir', SEED_ROOT, '--fail-on', 'widen'], ws, childEnv());
      assert.equal(own.code, 0, show(own));
      const ownUnderRuns = await runBin(['policy', 'diff', 'strict', 'policies/own.json', '--fail-on', 'widen'], ws, childEnv());
      assert.equal(ownUnderRuns.code, 3, show(ownUnderRuns));
    });
  });

  it("runs the example's seed-manifest.json clean, with its run dirs under artifacts/summaries/runs", { skip: needsOsLayer }, async () => {
    const tmp = makeTempDir('sleeve-seed-');
    cleanups.push(tmp.cleanup);
    const example = path.join(repoRoot, 'examples', 'meta-portfolio');
    const ws = path.join(tmp.dir, 'meta-portfolio');
    fs.cpSync(example, ws, { recursive: true, filter: (src) => !['runs', 'reports', 'artifacts'].includes(path.relative(example, src)) });
    const run = await runBin(['run', '--manifest', 'seed-manifest.json', '--json'], ws, childEnv());
    assert.equal(run.code, 0, show(run));
    const o = readOutcome(ws, run);
    assert.equal(o.report.verdict, 'clean');
    assert.equal(o.report.sleeves.length, 7);
    const sleeves = o.report.sleeves.filter((s) => s.kind === 'sleeve');
    assert.equal(sleeves.length, 6);
    for (const s of o.report.sleeves) {
      assert.equal(s.status, 'ok', s.name);
      const rel = o.relRunDirs.get(s.name) as string;
      assert.ok(rel.startsWith(`${SEED_ROOT}/${s.name}_`), rel);
      if (s.kind === 'sleeve') assert.ok(fs.statSync(path.join(ws, rel, 'portfolio_candidates.json')).size > 0, rel);
    }
    // The combine step: the meta portfolio of this batch's six sleeves, weights summing to 1.
    const combine = o.report.sleeves[6];
    assert.equal(combine?.kind, 'finalize');
    const meta = JSON.parse(fs.readFileSync(path.join(ws, o.relRunDirs.get('meta_portfolio') as string, 'meta_portfolio.json'), 'utf8')) as {
      sleeves: Array<{ name: string; runId: string }>;
      weights: Record<string, number>;
    };
    assert.deepEqual(
      meta.sleeves.map((x) => [x.name, x.runId]),
      sleeves.map((x) => [x.name, x.runId]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
    assert.ok(Math.abs(Object.values(meta.weights).reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.equal(fs.existsSync(path.join(ws, 'runs')), false);
  });
});
