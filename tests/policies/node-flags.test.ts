import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compilePolicy } from '../../policies/engine.js';
import { loadPolicy } from '../../policies/loader.js';
import { compileNodeFlags, detectNodeFeatures } from '../../policies/node-flags.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { fakeSys } from '../helpers/fake-sys.js';
import { policyOf } from '../helpers/policy.js';
import type { ResolvedPolicy } from '../../policies/types.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

describe('detecting the permission model', () => {
  it('prefers --permission, falls back to --experimental-permission, and reports none', () => {
    assert.equal(detectNodeFeatures(new Set(['--permission', '--experimental-permission'])).permissionFlag, '--permission');
    assert.equal(detectNodeFeatures(new Set(['--experimental-permission'])).permissionFlag, '--experimental-permission');
    assert.equal(detectNodeFeatures(new Set()).permissionFlag, null);
    assert.equal(detectNodeFeatures(new Set(['--allow-addons', '--allow-wasi'])).allowAddons, true);
  });
  it('detects this node correctly', () => {
    const f = detectNodeFeatures(process.allowedNodeEnvironmentFlags);
    const major = Number(process.versions.node.split('.')[0]);
    assert.equal(f.permissionFlag, major >= 22 ? '--permission' : '--experimental-permission');
  });
});

describe('compiling a policy to Node permission flags (fake file system)', () => {
  const WS = '/ws';
  const files = [
    '/ws/data/lakehouse/AAPL.csv',
    '/ws/data/lakehouse/portfolio_candidates.json',
    '/ws/data/lakehouse/ohlcv/SPY.csv',
    '/ws/data/lakehouse/fund/x.json',
    '/ws/data/lakehouse/fund/secret.key',
    '/ws/runs/r1/.keep',
    '/ws/secrets/token.txt',
  ];
  const features = detectNodeFeatures(new Set(['--experimental-permission']));
  const compile = (p: ResolvedPolicy, runId = 'r1', extraRead: string[] = []) => {
    const sys = fakeSys({ cwd: WS, files });
    const engine = compilePolicy(p, { workspace: WS, runId, sys });
    return compileNodeFlags({ engine, sys, features, extraRead });
  };

  it('grants the siblings of a denied file instead of its parent', () => {
    const flags = compile(
      policyOf({ allow: ['data/lakehouse/**', '{runDir}/**'], deny: ['data/lakehouse/portfolio_candidates.json'] }, { allow: ['{runDir}/**'], deny: [] }),
    );
    assert.deepEqual(flags.read, ['/ws/data/lakehouse/AAPL.csv', '/ws/data/lakehouse/fund', '/ws/data/lakehouse/ohlcv', '/ws/runs/r1']);
    assert.deepEqual(flags.write, ['/ws/runs/r1']);
    assert.deepEqual(flags.flags, [
      '--experimental-permission',
      '--allow-fs-read=/ws/data/lakehouse/AAPL.csv',
      '--allow-fs-read=/ws/data/lakehouse/fund',
      '--allow-fs-read=/ws/data/lakehouse/ohlcv',
      '--allow-fs-read=/ws/runs/r1',
      '--allow-fs-write=/ws/runs/r1',
    ]);
  });
  it('descends along the path to a deeper deny and grants each level around it', () => {
    const flags = compile(policyOf({ allow: ['data/**'], deny: ['data/lakehouse/fund/secret.key'] }, { allow: [], deny: [] }));
    assert.deepEqual(flags.read, [
      '/ws/data/lakehouse/AAPL.csv',
      '/ws/data/lakehouse/fund/x.json',
      '/ws/data/lakehouse/ohlcv',
      '/ws/data/lakehouse/portfolio_candidates.json',
    ]);
    assert.deepEqual(flags.write, []);
  });
  it('grants only matching existing files for a narrower glob', () => {
    const flags = compile(policyOf({ allow: ['data/lakehouse/*.csv'], deny: [] }, { allow: [], deny: [] }));
    assert.deepEqual(flags.read, ['/ws/data/lakehouse/AAPL.csv']);
  });
  it('grants a run dir that does not exist yet as "dir/*", so files created later are covered', () => {
    const flags = compile(policyOf({ allow: [], deny: [] }, { allow: ['{runDir}/**'], deny: [] }), 'new-run');
    assert.deepEqual(flags.write, ['/ws/runs/new-run/*']);
  });
  it('adds the extra read paths the sleeve process needs, and process grants only when allowed', () => {
    const none = compile(policyOf({ allow: [], deny: [] }, { allow: [], deny: [] }), 'r1', ['/opt/sandbox/guard.js']);
    assert.deepEqual(none.flags, ['--experimental-permission', '--allow-fs-read=/opt/sandbox/guard.js']);
    const all = compile(policyOf({ allow: [], deny: [] }, { allow: [], deny: [] }, { process: { childProcess: true, workers: true, addons: true } }));
    assert.ok(all.flags.includes('--allow-child-process'));
    assert.ok(all.flags.includes('--allow-worker'));
    assert.ok(!all.flags.includes('--allow-addons'), 'addons are granted only where the node knows --allow-addons');
  });
  it('never grants child processes or workers for the strict policy', () => {
    const flags = compile(policyOf({ allow: ['**'], deny: [] }, { allow: ['{runDir}/**'], deny: [] }));
    assert.ok(!flags.flags.some((f) => /child-process|worker|addons|wasi/.test(f)));
  });
  it('fails closed when the deny would need too many grants', () => {
    const sys = fakeSys({ cwd: WS, files });
    const engine = compilePolicy(policyOf({ allow: ['data/**'], deny: ['data/**/secret.key'] }, { allow: [], deny: [] }), { workspace: WS, runId: 'r1', sys });
    assert.throws(() => compileNodeFlags({ engine, sys, features, maxGrants: 2 }), { code: 'EPOLICY' });
  });
  it('refuses to compile for a node without a permission model', () => {
    const sys = fakeSys({ cwd: WS, files });
    const engine = compilePolicy(policyOf({ allow: [], deny: [] }, { allow: [], deny: [] }), { workspace: WS, runId: 'r1', sys });
    assert.throws(() => compileNodeFlags({ engine, sys, features: detectNodeFeatures(new Set()) }), { code: 'EUSAGE' });
  });
});

describe('the compiled flags under a real node child', () => {
  let ws: { dir: string; cleanup: () => void };
  let flags: readonly string[];
  before(() => {
    ws = makeWorkspace();
    fs.mkdirSync(path.join(ws.dir, 'runs', 'r1'));
    writeTree(ws.dir, { 'runs/r2/theirs.txt': 'other sleeve\n' });
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy } = loadPolicy('strict', { workspace: ws.dir, sys });
    const engine = compilePolicy(policy, { workspace: ws.dir, runId: 'r1', sys });
    flags = compileNodeFlags({ engine, sys, features: detectNodeFeatures(process.allowedNodeEnvironmentFlags) }).flags;
  });
  after(() => ws.cleanup());

  const probe = `
    const fs = require('node:fs');
    const out = {};
    const tryIt = (name, fn) => { try { fn(); out[name] = 'ok'; } catch (e) { out[name] = e.code || String(e); } };
    tryIt('readLakehouse', () => fs.readFileSync('data/lakehouse/AAPL.csv'));
    tryIt('readNested', () => fs.readFileSync('data/lakehouse/ohlcv/SPY.csv'));
    tryIt('readFallback', () => fs.readFileSync('data/lakehouse/portfolio_candidates.json'));
    tryIt('readSecret', () => fs.readFileSync('secrets/token.txt'));
    tryIt('readOther', () => fs.readFileSync('runs/r2/theirs.txt'));
    tryIt('writeOwn', () => fs.writeFileSync('runs/r1/out.json', '{}'));
    tryIt('readOwn', () => fs.readFileSync('runs/r1/out.json'));
    tryIt('mkdirOwn', () => fs.mkdirSync('runs/r1/a/b', { recursive: true }));
    tryIt('writeLakehouse', () => fs.writeFileSync('data/lakehouse/AAPL.csv', 'x'));
    tryIt('writeOther', () => fs.writeFileSync('runs/r2/theirs.txt', 'x'));
    tryIt('writeRoot', () => fs.writeFileSync('root.txt', 'x'));
    tryIt('spawn', () => require('node:child_process').execFileSync(process.execPath, ['-e', '1']));
    tryIt('worker', () => new (require('node:worker_threads').Worker)('1', { eval: true }));
    process.stdout.write(JSON.stringify(out));
  `;

  it('allows what strict allows and refuses the fallback, the lakehouse writes and leaving the process', () => {
    const res = spawnSync(process.execPath, [...flags, '-e', probe], { cwd: ws.dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout) as Record<string, string>;
    assert.deepEqual(out, {
      readLakehouse: 'ok',
      readNested: 'ok',
      readFallback: 'ERR_ACCESS_DENIED',
      readSecret: 'ERR_ACCESS_DENIED',
      readOther: 'ERR_ACCESS_DENIED',
      writeOwn: 'ok',
      readOwn: 'ok',
      mkdirOwn: 'ok',
      writeLakehouse: 'ERR_ACCESS_DENIED',
      writeOther: 'ERR_ACCESS_DENIED',
      writeRoot: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      worker: 'ERR_ACCESS_DENIED',
    });
    assert.equal(fs.readFileSync(path.join(ws.dir, 'data/lakehouse/AAPL.csv'), 'utf8'), 'date,close\n2024-01-02,185.6\n');
    assert.equal(fs.readFileSync(path.join(ws.dir, 'runs/r2/theirs.txt'), 'utf8'), 'other sleeve\n');
    assert.equal(fs.existsSync(path.join(ws.dir, 'root.txt')), false);
    assert.equal(fs.readFileSync(path.join(ws.dir, 'runs/r1/out.json'), 'utf8'), '{}');
  });
});

describe('Node permission flags under a run root other than runs/', () => {
  it('grants <runsDir>/<runId> for {runDir}, never runs/<runId>', () => {
    const sys = fakeSys({ cwd: '/ws', files: ['/ws/data/lakehouse/AAPL.csv', '/ws/artifacts/summaries/runs/r1/.keep', '/ws/runs/r1/.keep'] });
    const policy = policyOf({ allow: ['data/lakehouse/**', '{runDir}/**'], deny: [] }, { allow: ['{runDir}/**'], deny: [] });
    const engine = compilePolicy(policy, { workspace: '/ws', runId: 'r1', runsDir: 'artifacts/summaries/runs', sys });
    const flags = compileNodeFlags({ engine, sys, features: detectNodeFeatures(new Set(['--permission'])) });
    assert.deepEqual(flags.write, ['/ws/artifacts/summaries/runs/r1']);
    assert.deepEqual(flags.read, ['/ws/artifacts/summaries/runs/r1', '/ws/data/lakehouse']);
    assert.ok(!flags.flags.some((f) => f.includes('/ws/runs')), flags.flags.join(' '));
  });
});
