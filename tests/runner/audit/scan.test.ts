/**
 * The manifest scan (entries in scope, ns times, hashes of protected files),
 * its diff (added, removed, modified, metadata, type) and the accounting of
 * changes against the policy. The scan has no blind names: only the
 * workspace's own top-level `.git` and `node_modules` are out of scope; a
 * `.git` or `node_modules` anywhere deeper is scanned, diffed and accounted
 * like any other name. And how the diff tells a directory's own changes
 * (chmod, chown, replacement) from times that moved as its entries changed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { accountChanges } from '../../../runner/audit/account.js';
import { decode, decodeIdentity, diffManifests, encode, scanWorkspace } from '../../../runner/audit/scan.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import { strictPolicy } from '../../helpers/guarded.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';

const scanOf = (ws: string) => scanWorkspace({ workspace: ws, ignore: [], excludeAbs: [path.join(ws, 'reports')], protect: ['data/lakehouse/**'], hash: true });

function withWorkspace(body: (ws: string, at: (rel: string) => string) => void): void {
  const tmp = makeWorkspace();
  try {
    body(tmp.dir, (rel) => path.join(tmp.dir, rel));
  } finally {
    tmp.cleanup();
  }
}

describe('the scan: no blind names below the top level', () => {
  it('scans and hashes a .git or node_modules inside the lakehouse, and leaves out only the top-level ones', () => {
    withWorkspace((ws) => {
      writeTree(ws, {
        '.git/HEAD': 'ref: refs/heads/main\n',
        'node_modules/x/index.js': '',
        'data/lakehouse/node_modules/evil.js': 'module.exports = 1;\n',
        'data/lakehouse/sub/.git/HEAD': 'ref\n',
        'data/lakehouse/deep/node_modules/x': 'x\n',
        'sleeves/node_modules/dep/index.js': '',
      });
      const m = scanOf(ws);
      for (const p of [
        'data/lakehouse/node_modules',
        'data/lakehouse/node_modules/evil.js',
        'data/lakehouse/sub/.git/HEAD',
        'data/lakehouse/deep/node_modules/x',
        'sleeves/node_modules/dep/index.js',
      ]) {
        assert.ok(m.entries.has(p), `${p} is in the manifest`);
      }
      assert.match(decode(m.entries.get('data/lakehouse/node_modules/evil.js') as string).sha256 ?? '', /^[0-9a-f]{64}$/);
      for (const p of ['.git', '.git/HEAD', 'node_modules', 'node_modules/x/index.js']) assert.equal(m.entries.has(p), false, `${p} is out of scope`);
      // Entries were left out of the root only.
      assert.deepEqual([...m.withSkipped], ['']);
    });
  });

  it('sees a change under a nested node_modules or .git, and the accounting calls it a violation', () => {
    withWorkspace((ws, at) => {
      writeTree(ws, { 'data/lakehouse/sub/.git/HEAD': 'ref: a\n' });
      const before = scanOf(ws);
      writeTree(ws, { 'data/lakehouse/node_modules/evil.js': 'pwned\n', 'data/lakehouse/deep/node_modules/x': 'x\n' });
      fs.writeFileSync(at('data/lakehouse/sub/.git/HEAD'), 'ref: b\n');
      // The top-level ones stay out of scope.
      writeTree(ws, { 'node_modules/ok.js': '', '.git/ORIG_HEAD': '' });
      const changes = diffManifests(before, scanOf(ws));
      const now = Date.now();
      const violations = accountChanges(changes, {
        workspace: ws,
        sys: createNodeSys(undefined, () => ws),
        sleeves: [
          {
            name: 'a',
            kind: 'sleeve',
            runId: 'a',
            runDir: at('runs/a'),
            policy: strictPolicy(ws),
            writes: new Set(),
            startedMs: now - 1000,
            endedMs: now + 1000,
          },
        ],
        firstSeen: () => undefined,
      });
      assert.deepEqual(
        violations.map((v) => [v.path, v.change]),
        [
          ['data/lakehouse/deep', 'added'],
          ['data/lakehouse/deep/node_modules', 'added'],
          ['data/lakehouse/deep/node_modules/x', 'added'],
          ['data/lakehouse/node_modules', 'added'],
          ['data/lakehouse/node_modules/evil.js', 'added'],
          ['data/lakehouse/sub/.git/HEAD', 'modified'],
        ],
      );
      assert.deepEqual(violations[5]?.suspects, ['a']);
    });
  });
});

describe("the diff: a directory's own changes against times its entries moved", () => {
  it('drops a directory whose times moved with an entry changed in it, and tells an add-and-remove from a utimes', () => {
    withWorkspace((_ws, at) => {
      fs.mkdirSync(at('data/lakehouse/other'));
      const before = scanOf(_ws);
      fs.writeFileSync(at('data/lakehouse/ohlcv/QQQ.csv'), 'x\n'); // a child changed: ohlcv itself is not listed
      fs.writeFileSync(at('data/lakehouse/tmp.csv'), 'x\n');
      fs.rmSync(at('data/lakehouse/tmp.csv')); // nothing left in data/lakehouse changed, its times moved
      fs.utimesSync(at('data/lakehouse/other'), 1_600_000_000, 1_600_000_000);
      const changes = diffManifests(before, scanOf(_ws));
      assert.deepEqual(
        changes.map((c) => [c.path, c.change, c.dirTimes]),
        [
          ['data/lakehouse', 'metadata', 'entries'],
          ['data/lakehouse/ohlcv/QQQ.csv', 'added', undefined],
          ['data/lakehouse/other', 'metadata', 'set'],
        ],
      );
    });
  });

  it('lists a chmod of a directory even when an entry in it changed', () => {
    withWorkspace((ws, at) => {
      const before = scanOf(ws);
      fs.writeFileSync(at('data/lakehouse/ohlcv/QQQ.csv'), 'x\n');
      fs.chmodSync(at('data/lakehouse/ohlcv'), 0o700);
      const c = diffManifests(before, scanOf(ws)).find((x) => x.path === 'data/lakehouse/ohlcv');
      assert.equal(c?.change, 'metadata');
      assert.equal(c?.dirTimes, undefined);
    });
  });

  it('lists a chown of a directory even when an entry in it changed', { skip: process.getuid?.() === 0 ? false : 'chown to another owner needs root' }, () => {
    withWorkspace((ws, at) => {
      const before = scanOf(ws);
      fs.writeFileSync(at('data/lakehouse/ohlcv/QQQ.csv'), 'x\n');
      fs.chownSync(at('data/lakehouse/ohlcv'), 4242, 4343);
      const after = scanOf(ws);
      assert.equal(decodeIdentity(after.entries.get('data/lakehouse/ohlcv') as string).owner, '4242\u00004343');
      const c = diffManifests(before, after).find((x) => x.path === 'data/lakehouse/ohlcv');
      assert.equal(c?.change, 'metadata');
      assert.equal(c?.ownerChanged, true);
    });
  });

  it('lists a directory removed and made again (a new birth time, even with its inode number back) as modified', () => {
    withWorkspace((ws, at) => {
      const before = scanOf(ws);
      const birth = fs.lstatSync(at('data/lakehouse/ohlcv'), { bigint: true }).birthtimeNs;
      fs.rmSync(at('data/lakehouse/ohlcv'), { recursive: true });
      fs.mkdirSync(at('data/lakehouse/ohlcv'));
      fs.writeFileSync(at('data/lakehouse/ohlcv/SPY.csv'), 'date,close\n2024-01-02,472.7\n');
      const st = fs.lstatSync(at('data/lakehouse/ohlcv'), { bigint: true });
      const c = diffManifests(before, scanOf(ws)).find((x) => x.path === 'data/lakehouse/ohlcv');
      if (st.birthtimeNs === birth && String(st.ino) === c?.before?.ino) {
        assert.equal(c, undefined, 'no birth time here, same inode: nothing to tell it by');
        return;
      }
      assert.equal(c?.change, 'modified');
      assert.equal(c?.reborn, String(st.ino) === c?.before?.ino ? true : undefined);
    });
  });
});

describe('the scan fails closed where it cannot read', () => {
  it('records a directory past PATH_MAX as unreadable (ENAMETOOLONG), never skipping it silently', () => {
    withWorkspace((ws) => {
      // Built one level at a time from inside (chdir), as a sleeve could: the absolute path ends up longer than PATH_MAX.
      const home = process.cwd();
      const name = 'd'.repeat(200);
      let depth = 0;
      try {
        process.chdir(path.join(ws, 'runs'));
        for (; depth < 25; depth++) {
          fs.mkdirSync(name);
          process.chdir(name);
        }
        fs.writeFileSync('hidden.txt', 'x');
      } finally {
        process.chdir(home);
      }
      const m = scanOf(ws);
      assert.equal(m.unreadable.size, 1, [...m.unreadable].join());
      const [[rel, code]] = [...m.unreadable] as [[string, string]];
      assert.equal(code, 'ENAMETOOLONG');
      assert.ok(rel.startsWith(`runs/${name}/`), rel);
      // fs.rmSync cannot remove it (it unlinks by absolute path); rm walks with openat.
      assert.equal(spawnSync('rm', ['-rf', name], { cwd: path.join(ws, 'runs') }).status, 0);
    });
  });
});

/** The scan of the first suites: scratch/** ignored, hashing optional. */
const scanIgnoringScratch = (dir: string, hash = true) =>
  scanWorkspace({ workspace: dir, ignore: ['scratch/**'], excludeAbs: [path.join(dir, 'reports')], protect: ['data/lakehouse/**'], hash });

describe('the manifest scan and its diff', () => {
  it('records every entry in scope with ns times and hashes protected files only', () => {
    const ws = makeWorkspace();
    try {
      writeTree(ws.dir, { 'scratch/tmp.txt': 'x', 'reports/old/audit.json': '{}', 'node_modules/x/index.js': '', '.git/HEAD': 'ref' });
      const m = scanIgnoringScratch(ws.dir);
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
      const before = scanIgnoringScratch(ws.dir);
      const st = fs.statSync(lake('AAPL.csv'));
      fs.writeFileSync(lake('AAPL.csv'), fs.readFileSync(lake('AAPL.csv'), 'utf8').replace('185.6', '999.9'));
      fs.utimesSync(lake('AAPL.csv'), st.atime, st.mtime); // same size, mtime put back
      fs.chmodSync(lake('MSFT.csv'), 0o600);
      fs.rmSync(lake('portfolio_candidates.json'));
      fs.symlinkSync('/etc/hostname', lake('portfolio_candidates.json'));
      fs.rmSync(lake('ohlcv/SPY.csv'));
      fs.writeFileSync(lake('new.csv'), 'n');
      const changes = diffManifests(before, scanIgnoringScratch(ws.dir));
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
      const before = scanIgnoringScratch(ws.dir, false);
      const st = fs.statSync(f);
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('185.6', '999.9'));
      fs.utimesSync(f, st.atime, st.mtime);
      const changes = diffManifests(before, scanIgnoringScratch(ws.dir, false));
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
      const before = scanIgnoringScratch(ws.dir);
      fs.utimesSync(d, new Date(0), new Date(0));
      assert.deepEqual(
        diffManifests(before, scanIgnoringScratch(ws.dir)).map((c) => [c.path, c.change]),
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
      const before = scanIgnoringScratch(ws.dir);
      writeTree(ws.dir, {
        'runs/a/logs/stdout.log': '',
        'runs/a/out/deep/result.json': '{}',
        'runs/b/logs/stdout.log': '',
        'runs/b/planted.json': '{}',
        'root.txt': 'x',
      });
      const changes = diffManifests(before, scanIgnoringScratch(ws.dir));
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
