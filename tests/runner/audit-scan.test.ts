import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { accountChanges } from '../../runner/audit/account.js';
import { decode, diffManifests, encode, scanWorkspace } from '../../runner/audit/scan.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { strictPolicy } from '../helpers/guarded.js';
import { makeWorkspace, writeTree } from '../helpers/tmp.js';

const scanOf = (dir: string, hash = true) =>
  scanWorkspace({ workspace: dir, ignore: ['scratch/**'], excludeAbs: [path.join(dir, 'reports')], protect: ['data/lakehouse/**'], hash });

describe('the manifest scan and its diff', () => {
  it('records every entry in scope with ns times and hashes protected files only', () => {
    const ws = makeWorkspace();
    try {
      writeTree(ws.dir, { 'scratch/tmp.txt': 'x', 'reports/old/audit.json': '{}', 'node_modules/x/index.js': '', '.git/HEAD': 'ref' });
      const m = scanOf(ws.dir);
      assert.ok(m.entries.has('data/lakehouse/AAPL.csv'));
      assert.ok(m.entries.has('secrets/token.txt'));
      for (const p of ['scratch/tmp.txt', 'reports', 'reports/old/audit.json', 'node_modules', '.git']) assert.equal(m.entries.has(p), false, p);
      const aapl = decode(m.entries.get('data/lakehouse/AAPL.csv') as string);
      assert.match(aapl.sha256 ?? '', /^[0-9a-f]{64}$/);
      assert.equal(decode(m.entries.get('secrets/token.txt') as string).sha256, undefined);
      assert.match(aapl.mtimeNs, /^\d{19}$/);
      assert.equal(m.hashed, 4);
      assert.deepEqual(decode(encode(aapl)), aapl);
    } finally {
      ws.cleanup();
    }
  });

  it('tells added, removed, modified, metadata and type-changed apart', () => {
    const ws = makeWorkspace();
    try {
      const lake = (p: string) => path.join(ws.dir, 'data/lakehouse', p);
      const before = scanOf(ws.dir);
      const st = fs.statSync(lake('AAPL.csv'));
      fs.writeFileSync(lake('AAPL.csv'), fs.readFileSync(lake('AAPL.csv'), 'utf8').replace('185.6', '999.9'));
      fs.utimesSync(lake('AAPL.csv'), st.atime, st.mtime); // same size, mtime put back
      fs.chmodSync(lake('MSFT.csv'), 0o600);
      fs.rmSync(lake('portfolio_candidates.json'));
      fs.symlinkSync('/etc/hostname', lake('portfolio_candidates.json'));
      fs.rmSync(lake('ohlcv/SPY.csv'));
      fs.writeFileSync(lake('new.csv'), 'n');
      const changes = diffManifests(before, scanOf(ws.dir));
      const kinds = Object.fromEntries(changes.map((c) => [c.path, c.change]));
      assert.deepEqual(kinds, {
        'data/lakehouse/AAPL.csv': 'modified',
        'data/lakehouse/MSFT.csv': 'metadata',
        'data/lakehouse/new.csv': 'added',
        'data/lakehouse/ohlcv/SPY.csv': 'removed',
        'data/lakehouse/portfolio_candidates.json': 'type-changed',
      });
    } finally {
      ws.cleanup();
    }
  });

  it('still sees a same-size rewrite with the mtime put back when hashing is off, through ctime', () => {
    const ws = makeWorkspace();
    try {
      const f = path.join(ws.dir, 'data/lakehouse/AAPL.csv');
      const before = scanOf(ws.dir, false);
      const st = fs.statSync(f);
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('185.6', '999.9'));
      fs.utimesSync(f, st.atime, st.mtime);
      const changes = diffManifests(before, scanOf(ws.dir, false));
      assert.deepEqual(
        changes.map((c) => c.path),
        ['data/lakehouse/AAPL.csv'],
      );
      // utimes takes ms: the ns mtime may differ (modified); when it does not, ctime still moved (metadata).
      assert.ok(['modified', 'metadata'].includes(changes[0]?.change ?? ''));
      assert.notEqual(changes[0]?.before?.ctimeNs, changes[0]?.after?.ctimeNs);
    } finally {
      ws.cleanup();
    }
  });

  it('reports a directory whose times were set back with no entry changed', () => {
    const ws = makeWorkspace();
    try {
      const d = path.join(ws.dir, 'data/lakehouse/ohlcv');
      const before = scanOf(ws.dir);
      fs.utimesSync(d, new Date(0), new Date(0));
      assert.deepEqual(
        diffManifests(before, scanOf(ws.dir)).map((c) => [c.path, c.change]),
        [['data/lakehouse/ohlcv', 'metadata']],
      );
    } finally {
      ws.cleanup();
    }
  });
});

describe('accounting', () => {
  it('accepts what the owner reported and the runner made, and flags the rest with suspects', () => {
    const ws = makeWorkspace();
    try {
      const before = scanOf(ws.dir);
      writeTree(ws.dir, {
        'runs/a/logs/stdout.log': '',
        'runs/a/out/deep/result.json': '{}',
        'runs/b/logs/stdout.log': '',
        'runs/b/planted.json': '{}',
        'root.txt': 'x',
      });
      const changes = diffManifests(before, scanOf(ws.dir));
      const policy = strictPolicy(ws.dir);
      const now = Date.now();
      const sleeve = (name: string, writes: string[]) => ({
        name,
        kind: 'sleeve' as const,
        runId: name,
        runDir: path.join(ws.dir, 'runs', name),
        policy,
        writes: new Set(writes.map((w) => path.join(ws.dir, w))),
        startedMs: now - 1000,
        endedMs: now + 1000,
      });
      const violations = accountChanges(changes, {
        workspace: ws.dir,
        sys: createNodeSys(undefined, () => ws.dir),
        sleeves: [sleeve('a', ['runs/a/out/deep/result.json']), sleeve('b', [])],
        firstSeen: (p) => (p === 'root.txt' ? now : undefined),
      });
      assert.deepEqual(
        violations.map((v) => [v.path, v.change]),
        [
          ['root.txt', 'added'],
          ['runs/b/planted.json', 'added'],
        ],
      );
      assert.deepEqual(violations[0]?.suspects, ['a', 'b']);
      assert.equal(violations[0]?.time, new Date(now).toISOString());
      assert.match(violations[1]?.why ?? '', /run dir of b, which never reported writing it/);
      assert.equal(violations[1]?.time, null);
    } finally {
      ws.cleanup();
    }
  });
});
