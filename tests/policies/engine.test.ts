import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { compilePolicy } from '../../policies/engine.js';
import { UsageError } from '../../policies/errors.js';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import type { FsOp } from '../../policies/types.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

describe('the engine on the built-in strict policy (real files)', () => {
  let ws: { dir: string; cleanup: () => void };
  let engine: ReturnType<typeof compilePolicy>;
  before(() => {
    ws = makeWorkspace();
    fs.mkdirSync(path.join(ws.dir, 'runs', 'r1'), { recursive: true });
    fs.mkdirSync(path.join(ws.dir, 'runs', 'r2'), { recursive: true });
    writeTree(ws.dir, { 'runs/r2/portfolio_candidates.json': '[]', 'runs/r1/portfolio_candidates.json': '["AAPL"]' });
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy } = loadPolicy('strict', { workspace: ws.dir, sys });
    engine = compilePolicy(policy, { workspace: ws.dir, runId: 'r1', sys });
  });
  after(() => ws.cleanup());

  const table: Array<[FsOp, string, boolean, string]> = [
    ['read', 'data/lakehouse/AAPL.csv', true, 'fs.read.allow "data/lakehouse/**"'],
    ['read', 'data/lakehouse/ohlcv/SPY.csv', true, 'fs.read.allow "data/lakehouse/**"'],
    ['read', 'data/lakehouse', true, 'the lakehouse directory itself'],
    ['read', 'data/lakehouse/portfolio_candidates.json', false, 'the shared fallback'],
    ['read', 'runs/r1/portfolio_candidates.json', true, 'own candidates'],
    ['read', 'runs/r2/portfolio_candidates.json', false, "another sleeve's run dir"],
    ['read', 'secrets/token.txt', false, 'a secret outside the lakehouse'],
    ['read', 'runs', false, 'the runs directory listing'],
    ['read', '/etc/passwd', false, 'outside the workspace'],
    ['write', 'runs/r1/out.json', true, 'own run dir, new file'],
    ['write', 'runs/r1/deep/new/dir/file.txt', true, 'own run dir, deep new path'],
    ['write', 'runs/r1', true, 'own run dir itself'],
    ['write', 'runs/r2/out.json', false, "another sleeve's run dir"],
    ['write', 'runs/r10/out.json', false, 'a run dir whose name starts with the own id'],
    ['write', 'data/lakehouse/AAPL.csv', false, 'the lakehouse'],
    ['write', 'data/lakehouse/new.csv', false, 'a new lakehouse file'],
    ['write', 'new-at-root.txt', false, 'the workspace root'],
    ['write', '/tmp/escape.txt', false, 'outside the workspace'],
  ];
  for (const [op, p, allowed, why] of table) {
    it(`${allowed ? 'allows' : 'denies'} ${op} of ${p} (${why})`, () => {
      const d = engine.decide(op, p);
      assert.equal(d.allowed, allowed, JSON.stringify(d));
      assert.equal(d.op, op);
      assert.equal(d.path, p);
      assert.equal(d.policy, 'strict');
    });
  }

  it('quotes the deny rule and its reason for the candidates fallback', () => {
    const d = engine.decide('read', 'data/lakehouse/portfolio_candidates.json');
    assert.equal(d.rule?.list, 'fs.read.deny');
    assert.equal(d.rule?.pattern, 'data/lakehouse/portfolio_candidates.json');
    assert.equal(d.reason, "strict isolation: use your run's own portfolio_candidates.json");
    assert.equal(d.resolved, path.join(ws.dir, 'data/lakehouse/portfolio_candidates.json'));
    assert.match(d.rule?.origin.file ?? '', /strict\.json$/);
    assert.ok((d.rule?.origin.line ?? 0) > 1);
  });

  it('names the allow rule with the variable unexpanded and expanded', () => {
    const d = engine.decide('write', 'runs/r1/out.json');
    assert.equal(d.rule?.pattern, '{runDir}/**');
    assert.equal(d.rule?.expanded, 'runs/r1/**');
  });

  it('says "no allow rule matches" inside the workspace and "outside the workspace" beyond it', () => {
    assert.equal(engine.decide('write', 'data/lakehouse/AAPL.csv').reason, 'no allow rule matches');
    assert.equal(engine.decide('write', '/tmp/x').reason, 'outside the workspace and no rule names it');
  });

  const spellings: Array<[string, unknown]> = [
    ['a ".." climb from the run dir', 'runs/r1/../../data/lakehouse/portfolio_candidates.json'],
    ['a double slash', 'data//lakehouse//portfolio_candidates.json'],
    ['a "./" prefix', './data/lakehouse/./portfolio_candidates.json'],
    ['an absolute path', '/__WS__/data/lakehouse/portfolio_candidates.json'],
    ['a file: URL', 'URL'],
    ['a Buffer', 'BUFFER'],
    ['a Uint8Array', 'U8'],
    ['a ".." through a missing directory', 'runs/r1/nope/../../../data/lakehouse/portfolio_candidates.json'],
  ];
  for (const [what, spelled] of spellings) {
    it(`denies the fallback read spelled with ${what}`, () => {
      const rel = 'data/lakehouse/portfolio_candidates.json';
      let input: unknown = spelled;
      if (spelled === 'URL') input = pathToFileURL(path.join(ws.dir, rel));
      if (spelled === 'BUFFER') input = Buffer.from(rel);
      if (spelled === 'U8') input = new Uint8Array(Buffer.from(rel));
      if (typeof spelled === 'string' && spelled.startsWith('/__WS__')) input = spelled.replace('/__WS__', ws.dir);
      const d = engine.decide('read', input);
      assert.equal(d.allowed, false);
      assert.ok(d.reason.startsWith('strict isolation') || d.reason.startsWith('cannot be resolved'), d.reason);
    });
  }

  it('keeps a trailing slash from changing a decision', () => {
    assert.equal(engine.decide('read', 'data/lakehouse/ohlcv/').allowed, true);
    assert.equal(engine.decide('write', 'data/lakehouse/ohlcv/').allowed, false);
  });

  it('treats the string "file:..." as a relative path, as fs does, not as a URL', () => {
    const d = engine.decide('read', `file://${ws.dir}/data/lakehouse/AAPL.csv`);
    assert.equal(d.allowed, false);
    assert.equal(d.resolved?.startsWith(path.join(ws.dir, 'file:')), true);
  });

  it('denies paths it cannot resolve safely: NUL bytes, empty paths, invalid UTF-8, URL look-alikes, numbers', () => {
    const bad: unknown[] = [
      'runs/r1/a\0b',
      '',
      Buffer.from([0x72, 0x75, 0x6e, 0x73, 0xff]),
      { href: `file://${ws.dir}/runs/r1/x`, protocol: 'file:' },
      new URL('http://example.invalid/x'),
      42,
      null,
    ];
    for (const input of bad) {
      const d = engine.decide('write', input);
      assert.equal(d.allowed, false, String(input));
      assert.match(d.reason, /^cannot be resolved safely/);
    }
  });

  it('is case sensitive on a case-sensitive file system: a case variant is another file', () => {
    const d = engine.decide('read', 'data/lakehouse/Portfolio_Candidates.json');
    // A different (non-existent) file inside the lakehouse: allowed to try, the OS answers ENOENT.
    assert.equal(d.allowed, true);
    assert.equal(fs.existsSync(path.join(ws.dir, 'data/lakehouse/Portfolio_Candidates.json')), false);
    assert.equal(engine.decide('read', 'DATA/lakehouse/AAPL.csv').allowed, false);
  });
});

describe('symlinks are resolved before the decision', () => {
  let ws: { dir: string; cleanup: () => void };
  let engine: ReturnType<typeof compilePolicy>;
  before(() => {
    ws = makeWorkspace();
    const run = path.join(ws.dir, 'runs', 'r1');
    fs.mkdirSync(run, { recursive: true });
    fs.symlinkSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), path.join(run, 'abs-link.csv'));
    fs.symlinkSync('../../data/lakehouse/portfolio_candidates.json', path.join(run, 'rel-cands.json'));
    fs.symlinkSync(path.join(ws.dir, 'data/lakehouse'), path.join(run, 'lake'));
    fs.symlinkSync('lake', path.join(run, 'chain1'));
    fs.symlinkSync('chain1', path.join(run, 'chain2'));
    fs.symlinkSync(path.join(ws.dir, 'data/lakehouse/new-file.csv'), path.join(run, 'dangling.csv'));
    fs.symlinkSync(path.join(ws.dir, 'data/lakehouse/ohlcv'), path.join(run, 'ohlcv-dir'));
    fs.symlinkSync('loop-b', path.join(run, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(run, 'loop-b'));
    // and the reverse: a link in the lakehouse that points into the run dir
    fs.symlinkSync(path.join(run), path.join(ws.dir, 'data/lakehouse/to-run'));
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy } = loadPolicy('strict', { workspace: ws.dir, sys });
    engine = compilePolicy(policy, { workspace: ws.dir, runId: 'r1', sys });
  });
  after(() => ws.cleanup());

  it('denies a write through an absolute symlink pre-placed in the run dir', () => {
    const d = engine.decide('write', 'runs/r1/abs-link.csv');
    assert.equal(d.allowed, false);
    assert.equal(d.resolved, path.join(ws.dir, 'data/lakehouse/AAPL.csv'));
  });
  it('denies the fallback read through a relative symlink in the run dir', () => {
    const d = engine.decide('read', 'runs/r1/rel-cands.json');
    assert.equal(d.allowed, false);
    assert.equal(d.rule?.list, 'fs.read.deny');
  });
  it('denies through a chain of relative symlinks', () => {
    assert.equal(engine.decide('read', 'runs/r1/chain2/portfolio_candidates.json').allowed, false);
    assert.equal(engine.decide('write', 'runs/r1/chain2/AAPL.csv').allowed, false);
    assert.equal(engine.decide('read', 'runs/r1/chain2/AAPL.csv').allowed, true);
  });
  it('follows a dangling symlink to where a create would land', () => {
    const d = engine.decide('write', 'runs/r1/dangling.csv');
    assert.equal(d.allowed, false);
    assert.equal(d.resolved, path.join(ws.dir, 'data/lakehouse/new-file.csv'));
  });
  it('applies ".." after the symlink, as the kernel does, not lexically', () => {
    // runs/r1/ohlcv-dir/.. is data/lakehouse for the kernel, not runs/r1.
    const d = engine.decide('read', 'runs/r1/ohlcv-dir/../portfolio_candidates.json');
    assert.equal(d.allowed, false);
    assert.equal(d.resolved, path.join(ws.dir, 'data/lakehouse/portfolio_candidates.json'));
    const w = engine.decide('write', 'runs/r1/ohlcv-dir/../new.csv');
    assert.equal(w.allowed, false);
    assert.equal(w.resolved, path.join(ws.dir, 'data/lakehouse/new.csv'));
  });
  it('denies a symlink loop as unresolvable', () => {
    const d = engine.decide('write', 'runs/r1/loop-a');
    assert.equal(d.allowed, false);
    assert.match(d.reason, /cannot be resolved safely/);
  });
  it('allows the reverse: a lakehouse link that points into the own run dir is judged by its target', () => {
    const d = engine.decide('write', 'data/lakehouse/to-run/x.json');
    assert.equal(d.allowed, true);
    assert.equal(d.resolved, path.join(ws.dir, 'runs/r1/x.json'));
  });
});

describe('extends and merging', () => {
  let ws: { dir: string; cleanup: () => void };
  before(() => {
    ws = makeWorkspace();
    writeTree(ws.dir, {
      'policies/wide.json': JSON.stringify({
        version: 1,
        name: 'wide',
        extends: 'strict',
        fs: { read: { allow: ['secrets/**', 'data/lakehouse/portfolio_candidates.json'] }, write: { deny: ['{runDir}/locked/**'] } },
        env: { pass: ['HOME'], set: { TV_STRICT_HEALTH: '0', EXTRA: 'yes' } },
        resources: { memoryMiB: 512 },
      }),
      'nested/child.json': JSON.stringify({ version: 1, name: 'child', extends: '../policies/wide.json', net: true }),
    });
  });
  after(() => ws.cleanup());

  it('cannot remove a base deny: deny always wins, even against an explicit allow in the child', () => {
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy } = loadPolicy('wide', { workspace: ws.dir, sys });
    const engine = compilePolicy(policy, { workspace: ws.dir, runId: 'r1', sys });
    assert.equal(engine.decide('read', 'data/lakehouse/portfolio_candidates.json').allowed, false);
    assert.equal(engine.decide('read', 'secrets/token.txt').allowed, true);
    assert.equal(engine.decide('write', 'runs/r1/locked/x').allowed, false);
    assert.equal(engine.decide('write', 'runs/r1/free/x').allowed, true);
  });
  it('unions lists base first, merges env.set with the child winning, and keeps unset scalars from the base', () => {
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy, files } = loadPolicy('nested/child.json', { workspace: ws.dir, sys });
    assert.deepEqual(
      files.map((f) => f.policy.name),
      ['child', 'wide', 'strict'],
    );
    assert.equal(policy.name, 'child');
    assert.deepEqual(
      policy.fs.read.allow.map((r) => r.pattern),
      ['data/lakehouse/**', '{runDir}/**', 'secrets/**', 'data/lakehouse/portfolio_candidates.json'],
    );
    assert.deepEqual([...policy.env.pass], ['PATH', 'TV_*', 'HOME']);
    assert.equal(policy.env.set.TV_STRICT_HEALTH, '0');
    assert.equal(policy.env.set.EXTRA, 'yes');
    assert.equal(policy.env.set.PORTFOLIO_DATA_SOURCE, 'lakehouse_only');
    assert.equal(policy.net, true);
    assert.equal(policy.resources.memoryMiB, 512);
    assert.equal(policy.resources.cpus, 1);
    assert.equal(policy.process.childProcess, false);
    assert.equal(policy.chain.length, 3);
    assert.equal(policy.chain[2]?.kind, 'builtin');
    assert.ok(Object.isFrozen(policy) && Object.isFrozen(policy.fs.read.allow));
  });
  it('raises mode to isolate from anywhere in the chain and never lowers it', () => {
    writeTree(ws.dir, {
      'policies/iso-base.json': JSON.stringify({ version: 1, name: 'iso-base', extends: 'strict', mode: 'isolate' }),
      'policies/iso-lower.json': JSON.stringify({ version: 1, name: 'iso-lower', extends: 'iso-base', mode: 'process' }),
      'policies/iso-top.json': JSON.stringify({ version: 1, name: 'iso-top', extends: 'wide', mode: 'isolate' }),
    });
    const sys = createNodeSys(undefined, () => ws.dir);
    const mode = (ref: string) => loadPolicy(ref, { workspace: ws.dir, sys }).policy.mode;
    assert.equal(mode('strict'), 'process');
    assert.equal(mode('wide'), 'process');
    assert.equal(mode('iso-base'), 'isolate');
    assert.equal(mode('iso-lower'), 'isolate');
    assert.equal(mode('iso-top'), 'isolate');
  });
  it('records where each inherited rule was written', () => {
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy } = loadPolicy('wide', { workspace: ws.dir, sys });
    const secret = policy.fs.read.allow.find((r) => r.pattern === 'secrets/**');
    assert.equal(secret?.origin.file, path.join(ws.dir, 'policies/wide.json'));
    assert.equal(secret?.origin.jsonPath, 'fs.read.allow[0]');
    const base = policy.fs.read.deny[0];
    assert.match(base?.origin.file ?? '', /strict\.json$/);
  });
});

describe('{runDir} under a run root other than runs/ (real files)', () => {
  let ws: { dir: string; cleanup: () => void };
  before(() => {
    ws = makeWorkspace();
    writeTree(ws.dir, { 'artifacts/summaries/runs/r1/.keep': '', 'artifacts/summaries/runs/other/out.json': '{}\n', 'artifacts/shared.json': '{}\n' });
  });
  after(() => ws.cleanup());
  const engineFor = (runsDir?: string) =>
    compilePolicy(loadPolicy('strict', { workspace: ws.dir, sys: createNodeSys(undefined, () => ws.dir) }).policy, {
      workspace: ws.dir,
      runId: 'r1',
      ...(runsDir === undefined ? {} : { runsDir }),
      sys: createNodeSys(undefined, () => ws.dir),
    });

  it("is <runsDir>/<runId>: the sleeve writes its own run dir there, and nowhere under runs/, another run or the root's parents", () => {
    const e = engineFor('artifacts/summaries/runs');
    assert.equal(e.runsDir, 'artifacts/summaries/runs');
    assert.equal(e.runDir, path.join(ws.dir, 'artifacts/summaries/runs/r1'));
    assert.equal(e.decide('write', 'artifacts/summaries/runs/r1/out/x.json').allowed, true);
    for (const p of [
      'runs/r1/x.json',
      'runs/x',
      'artifacts/summaries/runs/other/out.json',
      'artifacts/shared.json',
      'artifacts/summaries/x',
      'artifacts/summaries/runs/x',
    ]) {
      assert.equal(e.decide('write', p).allowed, false, p);
    }
    assert.equal(e.decide('read', 'artifacts/summaries/runs/other/out.json').allowed, false);
  });

  it('defaults to runs/', () => {
    const e = engineFor();
    assert.equal(e.runsDir, 'runs');
    assert.equal(e.decide('write', 'runs/r1/x.json').allowed, true);
    assert.equal(e.decide('write', 'artifacts/summaries/runs/r1/x.json').allowed, false);
  });

  it('refuses a run root that is not a plain directory inside the workspace (exit 2)', () => {
    for (const bad of ['', '.', '/tmp/runs', '../runs', 'a/../runs', 'runs/*', 'data/lakehouse/runs', 'data', '.git/runs', 'reports/runs']) {
      assert.throws(
        () => engineFor(bad),
        (e: Error) => e instanceof UsageError && e.exitCode === 2 && /run root/.test(e.message),
        JSON.stringify(bad),
      );
    }
  });
});
