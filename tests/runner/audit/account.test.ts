/**
 * The accounting rules for what one reported write explains, on real
 * manifests of a real temp workspace (scan, change, scan again, diff,
 * account): the write itself, what lies below it, and a directory above it
 * only when that directory was added (mkdir -p) or its times moved as adding
 * or removing an entry moves them; never a chmod, chown, removal or
 * replacement of that directory, and never outside the writer's zone. Then
 * the bound on the walk over a hostile sleeve's reports, which fails closed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type AccountedSleeve, type AccountOptions, accountChangesBounded } from '../../../runner/audit/account.js';
import { diffManifests, scanWorkspace } from '../../../runner/audit/scan.js';
import { loadPolicy } from '../../../policies/loader.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import type { ResolvedPolicy } from '../../../policies/types.js';
import { strictPolicy } from '../../helpers/guarded.js';
import { makeWorkspace } from '../../helpers/tmp.js';

const isRoot = process.getuid?.() === 0;

const scanOf = (ws: string) => scanWorkspace({ workspace: ws, ignore: [], excludeAbs: [path.join(ws, 'reports')], protect: ['data/lakehouse/**'], hash: true });

function ingestPolicy(ws: string, writeAllow?: string[]): ResolvedPolicy {
  const p = loadPolicy('ingest', { workspace: ws, sys: createNodeSys(undefined, () => ws) }).policy;
  if (!writeAllow) return p;
  const origin = p.fs.write.allow[0]?.origin as ResolvedPolicy['fs']['write']['allow'][number]['origin'];
  return { ...p, fs: { ...p.fs, write: { allow: writeAllow.map((pattern) => ({ pattern, origin })), deny: [] } } };
}

interface Scene {
  ws: string;
  /** Workspace-relative -> absolute. */
  at: (rel: string) => string;
  sleeve: (name: string, writes: readonly string[], extra?: Partial<AccountedSleeve>) => AccountedSleeve;
  prepare: (name: string, writes: readonly string[], policy?: ResolvedPolicy) => AccountedSleeve;
  /** Scans again, diffs against the scan taken when the scene began, accounts. */
  account: (
    sleeves: readonly AccountedSleeve[],
    extra?: Partial<AccountOptions>,
  ) => ReturnType<typeof accountChangesBounded> & { kinds: Array<[string, string]> };
}

/** A workspace, `setup` done before the first scan, then `act` done by the test between the scans. */
function withScene(setup: (at: (rel: string) => string) => void, body: (s: Scene) => void): void {
  const tmp = makeWorkspace();
  try {
    const ws = tmp.dir;
    const at = (rel: string) => path.join(ws, rel);
    setup(at);
    const before = scanOf(ws);
    const now = Date.now();
    const base = { startedMs: now - 1000, endedMs: now + 60_000 };
    const scene: Scene = {
      ws,
      at,
      sleeve: (name, writes, extra) => ({
        name,
        kind: 'sleeve',
        runId: name,
        runDir: at(`runs/${name}`),
        policy: strictPolicy(ws),
        writes: new Set(writes.map(at)),
        ...base,
        ...extra,
      }),
      prepare: (name, writes, policy) => ({
        name,
        kind: 'prepare',
        runId: name,
        runDir: at(`runs/${name}`),
        policy: policy ?? ingestPolicy(ws),
        writes: new Set(writes.map(at)),
        ...base,
      }),
      account: (sleeves, extra) => {
        const changes = diffManifests(before, scanOf(ws));
        const result = accountChangesBounded(changes, {
          workspace: ws,
          sleeves,
          sys: createNodeSys(undefined, () => ws),
          firstSeen: () => undefined,
          ...extra,
        });
        return { ...result, kinds: result.violations.map((v) => [v.path, v.change]) };
      },
    };
    body(scene);
  } finally {
    tmp.cleanup();
  }
}

const mkdirs = (...dirs: string[]) => {
  for (const d of dirs) fs.mkdirSync(d, { recursive: true });
};

describe('what a reported write explains above it', () => {
  it('explains the directories mkdir -p added above a reported write in the run dir', () => {
    withScene(
      (at) => mkdirs(at('runs/a')),
      (s) => {
        mkdirs(s.at('runs/a/x/y/z'));
        fs.writeFileSync(s.at('runs/a/x/y/z/f.json'), '{}');
        const r = s.account([s.sleeve('a', ['runs/a/x/y/z/f.json'])]);
        assert.deepEqual(r.kinds, []);
        assert.deepEqual(r.boundsHit, []);
      },
    );
  });

  it('does not explain a new directory in the run dir with no reported write in or below it', () => {
    withScene(
      (at) => mkdirs(at('runs/a')),
      (s) => {
        mkdirs(s.at('runs/a/x/y'), s.at('runs/a/empty'));
        fs.writeFileSync(s.at('runs/a/x/y/f.json'), '{}');
        const r = s.account([s.sleeve('a', ['runs/a/x/y/f.json'])]);
        assert.deepEqual(r.kinds, [['runs/a/empty', 'added']]);
        assert.match(r.violations[0]?.why ?? '', /run dir of a, which never reported writing it/);
      },
    );
  });

  it('does not take a spelling with ".." for a write below a directory', () => {
    withScene(
      (at) => mkdirs(at('runs/a')),
      (s) => {
        mkdirs(s.at('runs/a/x'));
        fs.writeFileSync(s.at('runs/a/f'), '');
        const r = s.account([s.sleeve('a', ['runs/a/f', 'runs/a/x/../f'])]);
        assert.deepEqual(r.kinds, [['runs/a/x', 'added']]);
      },
    );
  });

  it("explains a prepare step's new directories above its write in the lakehouse, and the old one an entry was added to", () => {
    withScene(
      () => {},
      (s) => {
        mkdirs(s.at('data/lakehouse/ohlcv/new/deep'));
        fs.writeFileSync(s.at('data/lakehouse/ohlcv/new/deep/QQQ.csv'), 'x\n');
        const r = s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/new/deep/QQQ.csv'])]);
        assert.deepEqual(r.kinds, []);
      },
    );
  });

  it('does not explain a chmod of an existing ancestor of the reported write; a reported write of that directory does', () => {
    withScene(
      () => {},
      (s) => {
        mkdirs(s.at('data/lakehouse/ohlcv/new'));
        fs.writeFileSync(s.at('data/lakehouse/ohlcv/new/QQQ.csv'), 'x\n');
        fs.chmodSync(s.at('data/lakehouse/ohlcv'), 0o700);
        const writes = ['data/lakehouse/ohlcv/new/QQQ.csv'];
        assert.deepEqual(s.account([s.prepare('ingest', writes)]).kinds, [['data/lakehouse/ohlcv', 'metadata']]);
        assert.deepEqual(s.account([s.prepare('ingest', [...writes, 'data/lakehouse/ohlcv'])]).kinds, []);
      },
    );
  });

  it('does not explain a chown of an ancestor, even when an entry was added to it', { skip: isRoot ? false : 'chown to another owner needs root' }, () => {
    withScene(
      () => {},
      (s) => {
        fs.writeFileSync(s.at('data/lakehouse/ohlcv/QQQ.csv'), 'x\n');
        fs.chownSync(s.at('data/lakehouse/ohlcv'), 4242, 4242);
        const r = s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/QQQ.csv'])]);
        assert.deepEqual(r.kinds, [['data/lakehouse/ohlcv', 'metadata']]);
        assert.match(r.violations[0]?.why ?? '', /owner changed: a chown/);
      },
    );
  });

  it('does not explain the removal of an ancestor of the reported write', () => {
    withScene(
      () => {},
      (s) => {
        fs.rmSync(s.at('data/lakehouse/ohlcv'), { recursive: true });
        const r = s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/SPY.csv'])]);
        assert.deepEqual(r.kinds, [['data/lakehouse/ohlcv', 'removed']]);
      },
    );
  });

  it('does not explain the replacement of an ancestor by a new directory or by a symlink', () => {
    withScene(
      () => {},
      (s) => {
        fs.rmSync(s.at('data/lakehouse/ohlcv'), { recursive: true });
        mkdirs(s.at('data/lakehouse/ohlcv'));
        fs.writeFileSync(s.at('data/lakehouse/ohlcv/SPY.csv'), 'new\n');
        assert.deepEqual(s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/SPY.csv'])]).kinds, [['data/lakehouse/ohlcv', 'modified']]);
      },
    );
    withScene(
      () => {},
      (s) => {
        fs.rmSync(s.at('data/lakehouse/ohlcv'), { recursive: true });
        fs.symlinkSync(s.at('secrets'), s.at('data/lakehouse/ohlcv'));
        assert.deepEqual(s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/SPY.csv'])]).kinds, [['data/lakehouse/ohlcv', 'type-changed']]);
      },
    );
  });

  it('explains a directory whose times moved because an entry was added and removed below a reported write', () => {
    withScene(
      () => {},
      (s) => {
        fs.writeFileSync(s.at('data/lakehouse/ohlcv/tmp.csv'), 'x\n');
        fs.rmSync(s.at('data/lakehouse/ohlcv/tmp.csv'));
        assert.deepEqual(s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/tmp.csv'])]).kinds, []);
        // The same change with no report is a violation: the rule needs the write.
        assert.deepEqual(s.account([s.prepare('ingest', [])]).kinds, [['data/lakehouse/ohlcv', 'metadata']]);
      },
    );
  });

  it('does not explain times set on an ancestor (utimes) by a write reported below it', () => {
    withScene(
      () => {},
      (s) => {
        fs.utimesSync(s.at('data/lakehouse/ohlcv'), 1_600_000_000, 1_600_000_000);
        assert.deepEqual(s.account([s.prepare('ingest', ['data/lakehouse/ohlcv/SPY.csv'])]).kinds, [['data/lakehouse/ohlcv', 'metadata']]);
      },
    );
  });

  it("never explains a directory outside the writer's zone by a write below it", () => {
    withScene(
      () => {},
      (s) => {
        mkdirs(s.at('data/lakehouse/staging/deep'));
        fs.writeFileSync(s.at('data/lakehouse/staging/deep/f.csv'), 'x\n');
        // A prepare step that may write only below staging/deep: staging itself is not its to make.
        const narrow = ingestPolicy(s.ws, ['data/lakehouse/staging/deep/**']);
        assert.deepEqual(s.account([s.prepare('ingest', ['data/lakehouse/staging/deep/f.csv'], narrow)]).kinds, [['data/lakehouse/staging', 'added']]);
        // A sleeve that claims writes in the lakehouse explains nothing there.
        assert.deepEqual(s.account([s.sleeve('a', ['data/lakehouse/staging/deep/f.csv'])]).kinds, [
          ['data/lakehouse/staging', 'added'],
          ['data/lakehouse/staging/deep', 'added'],
          ['data/lakehouse/staging/deep/f.csv', 'added'],
        ]);
      },
    );
  });

  it("does not let a sleeve's write explain a directory of another sleeve's run dir", () => {
    withScene(
      (at) => mkdirs(at('runs/a'), at('runs/b')),
      (s) => {
        mkdirs(s.at('runs/b/x'));
        fs.writeFileSync(s.at('runs/b/x/f'), '');
        const r = s.account([s.sleeve('a', ['runs/b/x/f']), s.sleeve('b', [])]);
        assert.deepEqual(r.kinds, [
          ['runs/b/x', 'added'],
          ['runs/b/x/f', 'added'],
        ]);
      },
    );
  });
});

describe('the bound on what the accounting derives from reported writes', () => {
  /** Fake writes: `n` paths of about `len` characters, nested one letter per level, inside the run dir. */
  const deepFakes = (runDir: string, n: number, len: number) => {
    const out: string[] = [];
    const depth = Math.floor((len - runDir.length) / 2);
    for (let i = 0; i < n; i++) out.push(`${runDir}/fake${i}${'/q'.repeat(depth)}/f`);
    return out;
  };

  it('stops at the bound and reports what it could not prove as a violation that says so, never explained', () => {
    withScene(
      (at) => mkdirs(at('runs/a')),
      (s) => {
        mkdirs(s.at('runs/a/x/y'));
        fs.writeFileSync(s.at('runs/a/x/y/f'), '');
        const real = s.at('runs/a/x/y/f');
        // The real write comes last in the set, after deep fakes that cost the walk its whole budget.
        const writes = new Set([...deepFakes(s.at('runs/a'), 200, 1000), real]);
        const hostile = s.sleeve('a', [], { writes });
        const cut = s.account([hostile], { limits: { aboveChars: 50_000 } });
        // f is explained directly; x and y, only above it, need the walk, which stopped before the real write.
        assert.deepEqual(cut.kinds, [
          ['runs/a/x', 'added'],
          ['runs/a/x/y', 'added'],
        ]);
        for (const v of cut.violations) assert.match(v.why, /stopped looking through the writes of a at its bound/);
        assert.equal(cut.boundsHit.length, 1);
        assert.match(cut.boundsHit[0] ?? '', /the writes a reported were looked through up to the bound of 50000 path characters/);
        // With the default bound the same reports explain both directories.
        const full = s.account([hostile]);
        assert.deepEqual(full.kinds, []);
        assert.deepEqual(full.boundsHit, []);
      },
    );
  });

  it('keeps its bound against thousands of reported paths of 4,000 characters nested 2,000 deep', () => {
    withScene(
      (at) => mkdirs(at('runs/a')),
      (s) => {
        mkdirs(s.at('runs/a/x'));
        fs.writeFileSync(s.at('runs/a/x/f'), '');
        // Unreported f, so runs/a/x waits on the walk; 5,000 x 4,000 characters would be 10^10 steps of hashing unbounded.
        const writes = new Set(deepFakes(s.at('runs/a'), 5000, 4000));
        const r = s.account([s.sleeve('a', [], { writes })]);
        assert.deepEqual(r.kinds, [
          ['runs/a/x', 'added'],
          ['runs/a/x/f', 'added'],
        ]);
        assert.equal(r.boundsHit.length, 1);
        assert.match(r.violations[0]?.why ?? '', /stopped looking through the writes of a/);
        // f was never reported: its own violation is the plain one.
        assert.doesNotMatch(r.violations[1]?.why ?? '', /stopped/);
      },
    );
  });
});

describe('a run root other than runs/ (artifacts/summaries/runs)', () => {
  const ROOT = 'artifacts/summaries/runs';
  const seed = (s: Scene, name: string, writes: readonly string[]) => s.sleeve(name, writes, { runDir: s.at(`${ROOT}/${name}`) });

  it("takes the run root the runner made, its parents, its ledger and the run dirs' logs and tmp as the runner's", () => {
    withScene(
      () => {},
      (s) => {
        mkdirs(s.at(`${ROOT}/a/logs`), s.at(`${ROOT}/a/tmp`), s.at(`${ROOT}/.batches`));
        fs.writeFileSync(s.at(`${ROOT}/a/logs/stdout.log`), 'x\n');
        fs.writeFileSync(s.at(`${ROOT}/.batches/b1.json`), '{}\n');
        fs.writeFileSync(s.at(`${ROOT}/a/out.json`), '{}\n');
        const r = s.account([seed(s, 'a', [`${ROOT}/a/out.json`])], { runsDir: ROOT });
        assert.deepEqual(r.kinds, []);
      },
    );
  });

  it("flags what lies outside the sleeve's own run dir: runs/x, a file beside the run root, another run dir of no batch", () => {
    withScene(
      () => {},
      (s) => {
        mkdirs(s.at(`${ROOT}/a`), s.at(`${ROOT}/ghost`)); // runs/ is there from the start: not the run root now
        fs.writeFileSync(s.at('runs/x'), 'x');
        fs.writeFileSync(s.at('artifacts/summaries/x'), 'x');
        fs.writeFileSync(s.at(`${ROOT}/ghost/f`), 'x');
        const r = s.account([seed(s, 'a', [])], { runsDir: ROOT });
        assert.deepEqual(r.kinds.sort(), [
          ['artifacts/summaries/runs/ghost', 'added'],
          ['artifacts/summaries/runs/ghost/f', 'added'],
          ['artifacts/summaries/x', 'added'],
          ['runs/x', 'added'],
        ]);
        assert.match(r.violations.find((v) => v.path === 'runs/x')?.why ?? '', /a sleeve may change only artifacts\/summaries\/runs\/<its run id>\/\*\*/);
      },
    );
  });

  it('leaves the run dirs of other batches on the same run root to them', () => {
    withScene(
      () => {},
      (s) => {
        mkdirs(s.at(`${ROOT}/a`), s.at(`${ROOT}/theirs/out`));
        fs.writeFileSync(s.at(`${ROOT}/theirs/out/f`), 'x');
        const r = s.account([seed(s, 'a', [])], { runsDir: ROOT, otherBatchRunIds: new Set(['theirs']) });
        assert.deepEqual(r.kinds, []);
      },
    );
  });
});
