/**
 * The auditor against changes the fs guard cannot see: the TEST HARNESS
 * itself changes the workspace while a batch of the real bin runs (the
 * sleeves only hold the batch open). Every such change must come back in
 * audit.json with its kind, its path, the time the watcher saw it and the
 * sleeves running then; the verdict is "violations", the exit code 3, and
 * the junit `workspace-integrity` testcase fails. What the sleeves wrote
 * through their guard, the report dir and `--audit-ignore` paths are not
 * violations.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChangeKind, Violation } from '../../../runner/audit/schema.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import {
  type BatchOutcome,
  collect,
  junitCase,
  readOutcome,
  release,
  type Run,
  show,
  sleep,
  startBin,
  startedRunDir,
  track,
  unescapeMarkdown,
  WAITING_SLEEVE,
  waitStarted,
} from './harness.js';

/** A round mtime the harness can put back exactly (utimes takes float seconds). */
const ROUND_TIME = 1_700_000_000;

interface Spec {
  sleeves: string[];
  args?: string[];
  setup?: (ws: string) => void;
  /** Default drive: wait until every sleeve has started, act, release them all. */
  act?: (ws: string, runDirs: Map<string, string>) => void | Promise<void>;
  /** A custom drive replaces the default one (it must release the sleeves itself). */
  drive?: (ws: string, mark: { start(): void; end(): void }, ended: () => Run | undefined) => Promise<void>;
}

interface HarnessOutcome extends BatchOutcome {
  ws: string;
  actStart: number;
  actEnd: number;
}

async function harnessBatch(cleanups: Array<() => void>, spec: Spec): Promise<HarnessOutcome> {
  const tmp = makeWorkspace();
  cleanups.push(tmp.cleanup);
  const ws = tmp.dir;
  writeTree(ws, Object.fromEntries(spec.sleeves.map((n) => [`sleeves/${n}.mjs`, WAITING_SLEEVE])));
  spec.setup?.(ws);
  // The harness plays an outside actor writing into run dirs, which only the guard's reports can tell apart
  // from the sleeve's own writes: without the OS layer. (Inside it, a change in a run dir while its sandbox
  // lives is the sleeve's: tests/runner/commands/run-os-layer.test.ts.)
  const args = ['run', '--policy', 'strict', '--workspace', ws, '--concurrency', '2', '--os-layer', 'off', '--json'];
  for (const n of spec.sleeves) args.push('--sleeve', `${n}=sleeves/${n}.mjs`);
  args.push(...(spec.args ?? []));
  const done = collect(startBin(args, ws));
  const ended = track(done);
  let actStart = 0;
  let actEnd = 0;
  const mark = {
    start: () => {
      actStart = Date.now();
    },
    end: () => {
      actEnd = Date.now();
    },
  };
  try {
    if (spec.drive) await spec.drive(ws, mark, ended);
    else {
      const runDirs = new Map<string, string>();
      for (const n of spec.sleeves) runDirs.set(n, await waitStarted(ws, n, ended));
      mark.start();
      await spec.act?.(ws, runDirs);
      mark.end();
      for (const dir of runDirs.values()) release(dir);
    }
  } catch (error) {
    // Let the batch end (the sleeves give up waiting after 10 s at worst) before failing.
    for (const n of spec.sleeves) {
      const dir = startedRunDir(ws, n);
      if (dir) release(dir);
    }
    await done;
    throw error;
  }
  const run = await done;
  return { ...readOutcome(ws, run), ws, actStart, actEnd };
}

interface Expected {
  path: string;
  change: ChangeKind | readonly ChangeKind[];
}

/**
 * The whole verdict of a batch in which only the harness misbehaved: exactly
 * these violations (no more), each with a time and the running sleeves as
 * suspects; exit 3; the sleeves themselves ok; the integrity testcase failed.
 */
function assertCaught(o: HarnessOutcome, expected: readonly Expected[], suspects: readonly string[]): Violation[] {
  const ctx = show(o.run);
  assert.equal(o.run.code, 3, ctx);
  assert.equal(o.report.verdict, 'violations', ctx);
  assert.equal(o.report.exitCode, 3);
  assert.equal(o.summary.verdict, 'violations');
  assert.equal(o.summary.exitCode, 3);
  assert.deepEqual(o.summary.violations, o.report.violations, 'the --json summary carries the same violations as audit.json');
  assert.deepEqual(
    o.report.violations.map((v) => v.path),
    expected.map((e) => e.path),
    `violations: ${JSON.stringify(o.report.violations, null, 2)}`,
  );
  for (const [i, e] of expected.entries()) {
    const v = o.report.violations[i] as Violation;
    const kinds: readonly ChangeKind[] = typeof e.change === 'string' ? [e.change] : e.change;
    assert.ok(kinds.includes(v.change), `${v.path}: change ${v.change}, expected ${kinds.join(' or ')}`);
    assert.notEqual(v.time, null, `${v.path}: the watcher saw nothing`);
    for (const s of suspects) assert.ok(v.suspects.includes(s), `${v.path}: suspects ${JSON.stringify(v.suspects)} lack ${s}`);
    assert.ok(v.why.length > 0);
  }
  assert.equal(o.report.integrity.unaccounted, expected.length);
  for (const s of o.report.sleeves) {
    assert.equal(s.status, 'ok', `${s.name} itself did nothing wrong`);
    assert.deepEqual(s.denials, []);
  }
  const integrity = junitCase(o.junit, 'workspace-integrity');
  assert.ok(integrity.failure, 'the junit workspace-integrity testcase fails');
  assert.equal(integrity.failure['@_type'], 'violation');
  assert.match(integrity.failure['@_message'], new RegExp(`^${expected.length} change\\(s\\) outside the permitted zones`));
  for (const s of o.report.sleeves) assert.equal(junitCase(o.junit, s.name).failure, undefined, `${s.name} testcase passes`);
  assert.equal(o.junit.suite['@_failures'], '1');
  const md = unescapeMarkdown(o.markdown).split('\n');
  assert.equal(md[0], '## sleeve-sandbox audit: VIOLATIONS');
  for (const v of o.report.violations) {
    const line = `- \`${v.path}\` ${v.change}, at ${v.time}; suspects: ${v.suspects.join(', ')}. ${v.why}`;
    assert.ok(md.includes(line), `audit.md lacks ${line}\n${o.markdown}`);
  }
  return o.report.violations;
}

/** The watcher saw the change while the harness was making it (not before, not long after). */
function assertSeenDuringAct(o: HarnessOutcome, v: Violation): void {
  assert.ok(v.time, `${v.path}: no time`);
  const t = Date.parse(v.time);
  assert.ok(
    t >= o.actStart - 5 && t <= o.actEnd + 1000,
    `${v.path}: seen at ${v.time}, but changed between ${new Date(o.actStart).toISOString()} and ${new Date(o.actEnd).toISOString()}`,
  );
}

const lake = (ws: string, rel: string) => path.join(ws, 'data', 'lakehouse', rel);

describe('auditor: changes the guard cannot see, made by the harness during a batch', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  describe('a batch where nothing happens outside the run dirs', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha', 'beta'],
        // The harness only reads the lakehouse.
        act: (ws) => {
          fs.readFileSync(lake(ws, 'AAPL.csv'));
        },
      });
    });

    it('is clean with exit 0, no violations and a passing integrity testcase', () => {
      assert.equal(o.run.code, 0, show(o.run));
      assert.equal(o.report.verdict, 'clean');
      assert.equal(o.summary.verdict, 'clean');
      assert.deepEqual(o.report.violations, []);
      assert.deepEqual(o.summary.violations, []);
      assert.equal(o.report.integrity.unaccounted, 0);
      assert.equal(junitCase(o.junit, 'workspace-integrity').failure, undefined);
      assert.equal(o.junit.suite['@_failures'], '0');
    });

    it("does not count the sleeves' own writes through the guard as violations, though the auditor saw them", () => {
      for (const s of o.report.sleeves) assert.ok(s.writes >= 4, `${s.name} reported ${s.writes} writes`);
      // mkdir -p out/deep, result.json, started, done.txt (and go, created and removed) in two run dirs.
      assert.ok(o.report.integrity.changed >= 8, `changed ${o.report.integrity.changed}`);
      assert.equal(o.report.integrity.watcherOverflow, false);
    });

    it("lists each sleeve's own outputs as artifacts, with the sizes on disk, and not its logs", () => {
      for (const s of o.report.sleeves) {
        const rel = o.relRunDirs.get(s.name) as string;
        const expected = ['done.txt', 'out/deep/result.json', 'started'].map((f) => ({ path: `${rel}/${f}`, size: fs.statSync(path.join(o.ws, rel, f)).size }));
        assert.deepEqual(
          [...s.artifacts].sort((a, b) => a.path.localeCompare(b.path)),
          expected,
        );
        assert.equal(fs.existsSync(path.join(o.ws, rel, 'go')), false, 'the hand-shake file was removed by the sleeve');
        assert.ok(fs.existsSync(s.logs.stdout), 'the logs exist but are not artifacts');
      }
    });
  });

  describe('files added to the lakehouse', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha'],
        act: (ws) => {
          fs.writeFileSync(lake(ws, 'injected.csv'), 'date,close\n');
          fs.writeFileSync(lake(ws, 'ohlcv/TSLA.csv'), 'date,close\n');
          fs.mkdirSync(lake(ws, 'fresh'));
          fs.writeFileSync(lake(ws, 'fresh/NVDA.csv'), 'date,close\n');
        },
      });
    });

    it('reports each added file and directory, top level and in subdirectories, as added with the running sleeve as suspect', () => {
      const vs = assertCaught(
        o,
        [
          { path: 'data/lakehouse/fresh', change: 'added' },
          { path: 'data/lakehouse/fresh/NVDA.csv', change: 'added' },
          { path: 'data/lakehouse/injected.csv', change: 'added' },
          { path: 'data/lakehouse/ohlcv/TSLA.csv', change: 'added' },
        ],
        ['alpha'],
      );
      for (const v of vs) {
        assert.equal(v.before, null);
        assert.equal(v.after?.type, v.path.endsWith('fresh') ? 'dir' : 'file');
        assert.match(v.why, /outside every permitted zone/);
        assertSeenDuringAct(o, v);
      }
      assert.ok(fs.existsSync(lake(o.ws, 'fresh/NVDA.csv')), 'the auditor reports, it does not undo');
    });
  });

  describe('a lakehouse file rewritten with the same size and its mtime put back', () => {
    const setup = (ws: string) => fs.utimesSync(lake(ws, 'AAPL.csv'), ROUND_TIME, ROUND_TIME);
    const act = (ws: string) => {
      const file = lake(ws, 'AAPL.csv');
      const text = fs.readFileSync(file, 'utf8');
      const forged = text.replace('185.6', '999.9');
      assert.equal(forged.length, text.length);
      fs.writeFileSync(file, forged);
      fs.utimesSync(file, ROUND_TIME, ROUND_TIME);
      assert.equal(fs.statSync(file, { bigint: true }).mtimeNs, BigInt(ROUND_TIME) * 1_000_000_000n, 'the forgery restored the mtime exactly');
    };
    let hashed: HarnessOutcome;
    let unhashed: HarnessOutcome;
    before(async () => {
      hashed = await harnessBatch(cleanups, { sleeves: ['alpha'], setup, act });
      unhashed = await harnessBatch(cleanups, { sleeves: ['alpha'], setup, act, args: ['--no-hash'] });
    });

    it('is reported as modified by the hash, though size, mtime and inode are unchanged', () => {
      const [v] = assertCaught(hashed, [{ path: 'data/lakehouse/AAPL.csv', change: 'modified' }], ['alpha']);
      assert.ok(v?.before && v.after);
      assert.equal(v.after.size, v.before.size);
      assert.equal(v.after.mtimeNs, v.before.mtimeNs);
      assert.equal(v.after.ino, v.before.ino);
      assert.ok(v.before.sha256 && v.after.sha256);
      assert.notEqual(v.after.sha256, v.before.sha256);
      assertSeenDuringAct(hashed, v);
      assert.ok(hashed.report.integrity.hashed > 0);
    });

    it('is still caught with --no-hash, by its ctime, as metadata or modified', () => {
      const [v] = assertCaught(unhashed, [{ path: 'data/lakehouse/AAPL.csv', change: ['metadata', 'modified'] }], ['alpha']);
      assert.ok(v?.before && v.after);
      assert.equal(v.before.sha256, undefined, 'nothing was hashed');
      assert.equal(unhashed.report.integrity.hashed, 0);
      assert.equal(v.after.mtimeNs, v.before.mtimeNs);
      assert.notEqual(v.after.ctimeNs, v.before.ctimeNs);
      assertSeenDuringAct(unhashed, v);
    });
  });

  describe('a chmod of a lakehouse file', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, { sleeves: ['alpha'], act: (ws) => fs.chmodSync(lake(ws, 'MSFT.csv'), 0o666) });
    });

    it('is reported as metadata with both modes', () => {
      const [v] = assertCaught(o, [{ path: 'data/lakehouse/MSFT.csv', change: 'metadata' }], ['alpha']);
      assert.ok(v?.before && v.after);
      assert.equal(v.after.mode & 0o777, 0o666);
      assert.notEqual(v.before.mode & 0o777, 0o666);
      assert.equal(v.after.sha256, v.before.sha256, 'the content did not change');
      assertSeenDuringAct(o, v);
    });
  });

  describe('a lakehouse file replaced by a symlink', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha'],
        act: (ws) => {
          fs.rmSync(lake(ws, 'MSFT.csv'));
          fs.symlinkSync('../../secrets/token.txt', lake(ws, 'MSFT.csv'));
        },
      });
    });

    it('is reported as type-changed, from file to a symlink with its target', () => {
      const [v] = assertCaught(o, [{ path: 'data/lakehouse/MSFT.csv', change: 'type-changed' }], ['alpha']);
      assert.equal(v?.before?.type, 'file');
      assert.equal(v?.after?.type, 'symlink');
      assert.equal(v?.after?.target, '../../secrets/token.txt');
      assertSeenDuringAct(o, v as Violation);
    });
  });

  describe('a file removed from the lakehouse', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, { sleeves: ['alpha'], act: (ws) => fs.rmSync(lake(ws, 'ohlcv/SPY.csv')) });
    });

    it('is reported as removed, with what it was before (and not as a change of its directory)', () => {
      const [v] = assertCaught(o, [{ path: 'data/lakehouse/ohlcv/SPY.csv', change: 'removed' }], ['alpha']);
      assert.equal(v?.after, null);
      assert.equal(v?.before?.type, 'file');
      assert.ok(v?.before?.sha256);
      assertSeenDuringAct(o, v as Violation);
    });
  });

  describe("a write into another sleeve's run dir", () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha', 'beta'],
        act: async (_ws, runDirs) => {
          // Give the watcher a moment after the run dirs appeared, as a real intruder would.
          await sleep(300);
          fs.writeFileSync(path.join(runDirs.get('beta') as string, 'x.txt'), 'planted\n');
        },
      });
    });

    it('is a violation whose why says the owner never reported writing it', () => {
      const beta = o.relRunDirs.get('beta') as string;
      const [v] = assertCaught(o, [{ path: `${beta}/x.txt`, change: 'added' }], ['alpha', 'beta']);
      assert.match(v?.why ?? '', /^changed in the run dir of beta, which never reported writing it/);
      assert.ok(fs.existsSync(path.join(o.ws, beta, 'x.txt')));
    });

    it('dates the change when it happened, not when the run dir was created', () => {
      const beta = o.relRunDirs.get('beta') as string;
      const v = o.report.violations.find((x) => x.path === `${beta}/x.txt`);
      assert.ok(v);
      assertSeenDuringAct(o, v);
    });
  });

  describe('changes made while a later sleeve runs, with --concurrency 1', () => {
    let o: HarnessOutcome;
    let alphaRel = '';
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha', 'beta'],
        args: ['--concurrency', '1'],
        drive: async (ws, mark, ended) => {
          const alpha = await waitStarted(ws, 'alpha', ended);
          alphaRel = path.relative(ws, alpha);
          // Hold alpha well past the attribution slack (1.5 s) so beta starts late.
          await sleep(2500);
          release(alpha);
          const beta = await waitStarted(ws, 'beta', ended);
          mark.start();
          fs.writeFileSync(lake(ws, 'late.csv'), 'late\n');
          fs.writeFileSync(path.join(alpha, 'late.txt'), 'late\n');
          mark.end();
          release(beta);
        },
      });
    });

    it('names the sleeve running then (beta) as suspect of a lakehouse change', () => {
      const v = o.report.violations.find((x) => x.path === 'data/lakehouse/late.csv');
      assert.ok(v, JSON.stringify(o.report.violations));
      assert.ok(v.suspects.includes('beta'), `suspects ${JSON.stringify(v.suspects)}`);
      assertSeenDuringAct(o, v);
      assert.equal(o.run.code, 3);
    });

    it("names the sleeve running then (beta) as suspect of a change in the finished alpha's run dir", () => {
      const v = o.report.violations.find((x) => x.path === `${alphaRel}/late.txt`);
      assert.ok(v, JSON.stringify(o.report.violations));
      assert.match(v.why, /run dir of alpha, which never reported/);
      assert.ok(v.suspects.includes('beta'), `suspects ${JSON.stringify(v.suspects)}, time ${v.time}`);
    });
  });

  describe('a file created at the workspace root, next to changes in ignored places', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha'],
        args: ['--audit-ignore', 'scratch/**'],
        setup: (ws) => writeTree(ws, { 'scratch/keep.txt': 'keep\n' }),
        act: (ws) => {
          fs.writeFileSync(path.join(ws, 'stray.txt'), 'stray\n');
          // The report root and an ignored glob: changed, never reported.
          writeTree(ws, { 'reports/manual/leftover.txt': 'x\n', 'scratch/tmp.txt': 'x\n', 'scratch/deep/more.txt': 'x\n' });
          fs.chmodSync(path.join(ws, 'scratch/keep.txt'), 0o600);
          fs.rmSync(path.join(ws, 'scratch/keep.txt'));
        },
      });
    });

    it('reports the root file as added, and nothing under the report dir or the --audit-ignore glob', () => {
      const [v] = assertCaught(o, [{ path: 'stray.txt', change: 'added' }], ['alpha']);
      assertSeenDuringAct(o, v as Violation);
      assert.deepEqual(o.report.integrity.ignored, ['scratch/**']);
      // The ignored changes happened on disk.
      assert.ok(fs.existsSync(path.join(o.ws, 'scratch/deep/more.txt')));
      assert.ok(fs.existsSync(path.join(o.ws, 'reports/manual/leftover.txt')));
      assert.equal(fs.existsSync(path.join(o.ws, 'scratch/keep.txt')), false);
      assert.equal(path.dirname(o.summary.reports.json), path.join(o.ws, 'reports', o.report.batchId));
    });
  });

  describe('an ignored directory and the --report-dir created inside the workspace during the batch', () => {
    let o: HarnessOutcome;
    before(async () => {
      o = await harnessBatch(cleanups, {
        sleeves: ['alpha'],
        args: ['--audit-ignore', 'data/scratch/**', '--report-dir', 'out/reports'],
        setup: (ws) => writeTree(ws, { 'out/README': 'reports go below\n' }),
        act: (ws) => writeTree(ws, { 'data/scratch/cache.bin': 'x\n', 'out/reports/early.txt': 'x\n' }),
      });
    });

    it('reports nothing below them and writes the reports into the --report-dir', () => {
      assert.ok(!o.report.violations.some((v) => v.path.startsWith('data/scratch') || v.path.startsWith('out/reports')), JSON.stringify(o.report.violations));
      assert.equal(path.dirname(o.summary.reports.json), path.join(o.ws, 'out', 'reports'));
      assert.ok(fs.existsSync(path.join(o.ws, 'out/reports/early.txt')));
    });

    it('does not flag their parent directories, whose times moved only because an ignored entry appeared', () => {
      assert.deepEqual(o.report.violations, []);
      assert.equal(o.report.verdict, 'clean');
      assert.equal(o.run.code, 0);
    });
  });
});
