/**
 * Faults inside one sleeve of a batch: killed by SIGKILL, abort() (the
 * segfault-like crash), an unhandled rejection, and process.exit() in the
 * middle of a 50 MB write. Each batch runs the faulty sleeve between two
 * innocent ones; afterwards no sleeve process is left, the innocent ones
 * ended "ok" with their outputs, and the report is valid.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runnerMade } from '../helpers/os-layer.js';
import {
  FINE_SLEEVE,
  PID_PRELUDE,
  type Run,
  type Summary,
  assertNoOrphans,
  assertNoTempLeftovers,
  assertUnaffected,
  assertValidReport,
  killLeftovers,
  lines,
  listTree,
  manifest,
  parseSummary,
  runBin,
  show,
  sleeveOf,
  strictRunArgs,
  workspace,
} from './harness.js';

const BIG = 50 * 1024 * 1024;

interface Case {
  title: string;
  /** The faulty sleeve's source (after the pid prelude). */
  body: string[];
  /** `ulimit` etc. before the runner starts. */
  shellPrefix?: string;
  skip?: string | undefined;
  todo?: string | undefined;
  check: (ctx: { run: Run; summary: Summary }) => void;
}

function faultBatch(c: Case, cleanups: Array<() => void>): void {
  describe(c.title, c.skip ? { skip: c.skip } : {}, () => {
    let ws = '';
    let run: Run;
    let summary: Summary;
    // A todo case marks only the checks the source fails; the others still must pass.
    const opts = c.todo ? { todo: c.todo } : {};

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/fine.mjs': FINE_SLEEVE,
        'sleeves/fault.mjs': lines(...PID_PRELUDE, ...c.body),
        'manifest.json': manifest([
          // The first lingers so that it is alive while the fault happens; the last may start after it.
          { name: 'before', entry: 'sleeves/fine.mjs', runId: 'before', args: ['600'] },
          { name: 'fault', entry: 'sleeves/fault.mjs', runId: 'fault' },
          { name: 'after', entry: 'sleeves/fine.mjs', runId: 'after' },
        ]),
      });
      run = await runBin(strictRunArgs(ws, ['--manifest', 'manifest.json', '--concurrency', '2']), ws, c.shellPrefix);
      try {
        summary = parseSummary(run);
      } catch (error) {
        killLeftovers(ws);
        throw error;
      }
    });
    after(() => killLeftovers(ws));

    it('reports the faulty sleeve as expected, with the exit code of the contract', opts, () => {
      c.check({ run, summary });
    });

    it('leaves no sleeve process behind, and no temp files', async () => {
      await assertNoOrphans(ws, 3);
      assertNoTempLeftovers(ws);
    });

    it('leaves the other sleeves unaffected', () => {
      assertUnaffected(summary, 'before');
      assertUnaffected(summary, 'after');
    });

    it('writes a valid report in its own reports/<batchId>/', async () => {
      const report = await assertValidReport(summary, ws);
      assert.equal(report.sleeves.find((s) => s.name === 'fault')?.status, sleeveOf(summary, 'fault').status);
    });

    it('lets nothing change outside the run dirs (no violation, nothing new in the workspace root)', opts, () => {
      assert.deepEqual(summary.violations, [], show(run));
      assert.deepEqual(
        fs.readdirSync(ws).sort(),
        ['data', 'manifest.json', 'reports', 'runs', 'secrets', 'sleeves'],
        'the crash left a file in the shared workspace',
      );
      assert.deepEqual(
        fs
          .readdirSync(path.join(ws, 'runs'))
          .filter((n) => n !== '.batches')
          .sort(),
        ['after', 'before', 'fault'],
      );
    });
  });
}

/** Whether the kernel writes core files into the crashing process's cwd (core_pattern is a relative file name). */
function coreGoesToCwd(): string | undefined {
  let pattern: string;
  try {
    pattern = fs.readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  } catch {
    return 'no /proc/sys/kernel/core_pattern (not Linux)';
  }
  if (pattern.startsWith('|') || pattern.startsWith('/')) return `core_pattern is ${JSON.stringify(pattern)}: cores do not land in the sleeve's cwd here`;
  return undefined;
}

describe('faults in one sleeve of a batch', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  faultBatch(
    {
      title: 'a sleeve that kills itself with SIGKILL',
      body: ["process.kill(process.pid, 'SIGKILL');", "fs.writeFileSync(path.join(runDir, 'unreachable'), 'x');"],
      check: ({ run, summary }) => {
        assert.equal(run.status, 1, show(run));
        assert.equal(summary.exitCode, 1);
        assert.equal(summary.verdict, 'failed');
        const s = sleeveOf(summary, 'fault');
        assert.equal(s.status, 'crashed');
        assert.equal(s.signal, 'SIGKILL');
        assert.equal(s.exitCode, null);
        assert.equal(fs.existsSync(path.join(s.runDir, 'unreachable')), false);
        assert.match(run.stderr, /fault: crashed(?: \([^\n]*\))?; logs in /);
      },
    },
    cleanups,
  );

  faultBatch(
    {
      title: 'a sleeve that aborts (SIGABRT, the segfault-like crash)',
      body: ['process.abort();'],
      check: ({ run, summary }) => {
        assert.equal(run.status, 1, show(run));
        const s = sleeveOf(summary, 'fault');
        assert.equal(s.status, 'crashed');
        assert.equal(s.signal, 'SIGABRT');
        assert.equal(s.exitCode, null);
      },
    },
    cleanups,
  );

  faultBatch(
    {
      title: 'a sleeve that aborts where core dumps are enabled (ulimit -c unlimited)',
      body: ['process.abort();'],
      shellPrefix: 'ulimit -c unlimited',
      skip: coreGoesToCwd(),
      check: ({ run, summary }) => {
        assert.equal(sleeveOf(summary, 'fault').status, 'crashed');
        assert.equal(run.status, 1, show(run));
      },
    },
    cleanups,
  );

  faultBatch(
    {
      title: 'a sleeve with an unhandled rejection',
      body: ["Promise.reject(new Error('nobody catches this rejection'));", "setTimeout(() => fs.writeFileSync(path.join(runDir, 'unreachable'), 'x'), 200);"],
      check: ({ run, summary }) => {
        assert.equal(run.status, 1, show(run));
        assert.equal(summary.verdict, 'failed');
        const s = sleeveOf(summary, 'fault');
        assert.equal(s.status, 'failed');
        assert.equal(s.signal, null);
        assert.ok(s.exitCode !== null && s.exitCode !== 0, `exit code ${s.exitCode}`);
        assert.match(fs.readFileSync(s.logs.stderr, 'utf8'), /nobody catches this rejection/);
        assert.equal(fs.existsSync(path.join(s.runDir, 'unreachable')), false);
      },
    },
    cleanups,
  );

  faultBatch(
    {
      title: 'a sleeve that exits right after starting a 50 MB fs.promises.writeFile',
      body: [`fs.promises.writeFile(path.join(runDir, 'big.bin'), Buffer.alloc(${BIG}, 1));`, 'process.exit(1);'],
      check: ({ run, summary }) => {
        assert.equal(run.status, 1, show(run));
        const s = sleeveOf(summary, 'fault');
        assert.equal(s.status, 'failed');
        assert.equal(s.exitCode, 1);
        // pid and big.bin: the write was reported before it started.
        assert.ok(s.writesCount >= 2, `writesCount ${s.writesCount}`);
        const big = path.join(s.runDir, 'big.bin');
        if (fs.existsSync(big)) assert.ok(fs.statSync(big).size < BIG, 'the whole 50 MB got written before exit(1)');
        assert.deepEqual(summary.violations, []);
      },
    },
    cleanups,
  );

  faultBatch(
    {
      title: 'a sleeve that exits in the middle of a 50 MB fs.promises.writeFile (a partial file is left)',
      body: [
        "const big = path.join(runDir, 'big.bin');",
        `fs.promises.writeFile(big, Buffer.alloc(${BIG}, 1)).then(() => fs.writeFileSync(path.join(runDir, 'whole'), 'x'));`,
        'const deadline = Date.now() + 5000;',
        '// Exit as soon as the first chunk is on disk.',
        'const poll = () => {',
        '  let size = 0;',
        '  try { size = fs.statSync(big).size; } catch {}',
        '  if ((size > 0 && size < ' + BIG + ') || Date.now() > deadline) process.exit(1);',
        '  setImmediate(poll);',
        '};',
        'poll();',
      ],
      check: ({ run, summary }) => {
        assert.equal(run.status, 1, show(run));
        const s = sleeveOf(summary, 'fault');
        assert.equal(s.status, 'failed');
        assert.equal(s.exitCode, 1);
        assert.ok(s.writesCount >= 2, `writesCount ${s.writesCount}`);
        const big = path.join(s.runDir, 'big.bin');
        const size = fs.statSync(big).size;
        assert.ok(size > 0 && size < BIG, `big.bin is ${size} bytes, not a partial write`);
        assert.equal(fs.existsSync(path.join(s.runDir, 'whole')), false);
        assert.deepEqual(summary.violations, [], 'the partial file was reported ahead: not a violation');
        assert.deepEqual(listTree(s.runDir), [...runnerMade(), 'big.bin', 'pid'].sort());
        const report = JSON.parse(fs.readFileSync(summary.reports.json, 'utf8')) as {
          sleeves: Array<{ name: string; artifacts: Array<{ path: string; size: number }> }>;
        };
        const artifacts = report.sleeves.find((r) => r.name === 'fault')?.artifacts ?? [];
        assert.deepEqual(
          artifacts.find((a) => a.path === 'runs/fault/big.bin'),
          { path: 'runs/fault/big.bin', size },
          `the report lists the partial file as the sleeve's artifact: ${JSON.stringify(artifacts)}`,
        );
      },
    },
    cleanups,
  );
});
