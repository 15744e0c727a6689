/**
 * The disk filling up under a batch: a 1 MiB tmpfs is mounted at
 * <workspace>/runs before the run (the runner creates the run dirs in it),
 * one sleeve writes until ENOSPC and exits 1, two innocent sleeves write
 * their outputs first and are still running while the disk fills. Needs
 * root and mount(2); where `mount` fails the cases are skipped, saying why.
 *
 * Two variants: the filler exits quietly, and the filler prints its ENOSPC
 * error on stderr, which the runner has to copy into a log on the full disk.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
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
  manifest,
  parseSummary,
  runBin,
  show,
  sleeveOf,
  strictRunArgs,
  workspace,
} from './harness.js';
import { makeTempDir } from '../helpers/tmp.js';

/** Mounts a 1 MiB tmpfs at `dir`; returns why not when it cannot. */
function mountTmpfs(dir: string): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform}): no tmpfs mount`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error) return `cannot run mount: ${r.error.message}`;
  if (r.status !== 0) return `mount -t tmpfs failed (exit ${r.status}: ${r.stderr.trim()}); needs root/CAP_SYS_ADMIN`;
  return undefined;
}

function unmount(dir: string): void {
  for (let i = 0; i < 20; i++) {
    if (spawnSync('umount', [dir]).status === 0) return;
    spawnSync('sleep', ['0.1']);
  }
  spawnSync('umount', ['-l', dir]);
}

/** Probed once, on a scratch directory: whether this sandbox lets us mount at all. */
const probe = makeTempDir('sleeve-mount-probe-');
const cannotMount = mountTmpfs(probe.dir);
if (cannotMount === undefined) unmount(probe.dir);
probe.cleanup();

/** Writes until the disk is full, then exits 1: quietly, or saying why on stderr (as a real job would). */
const filler = (loud: boolean) =>
  lines(
    ...PID_PRELUDE,
    '// Let the innocent sleeves, started at the same time, write their outputs first.',
    'await new Promise((r) => setTimeout(r, 1000));',
    "const fd = fs.openSync(path.join(runDir, 'fill.bin'), 'w');",
    'const chunk = Buffer.alloc(64 * 1024, 7);',
    'let total = 0;',
    'try {',
    '  for (;;) total += fs.writeSync(fd, chunk);',
    '} catch (e) {',
    loud ? "  console.error('fill: ' + e.code + ' after ' + total + ' bytes');" : '',
    "  process.exit(e.code === 'ENOSPC' ? 1 : 2);",
    '}',
  );

function diskFullCase(title: string, loud: boolean, todo: string | undefined): void {
  describe(title, cannotMount ? { skip: cannotMount } : {}, () => {
    const cleanups: Array<() => void> = [];
    let ws = '';
    let runs = '';
    let mounted = false;
    let run: Run;
    let summary: Summary | undefined;
    const opts = todo ? { todo } : {};
    const need = (): Summary => {
      assert.ok(summary, `no JSON summary on stdout\n${show(run)}`);
      return summary;
    };

    before(async () => {
      ws = workspace(cleanups, {
        'sleeves/fine.mjs': FINE_SLEEVE,
        'sleeves/fill.mjs': filler(loud),
        'manifest.json': manifest([
          { name: 'alpha', entry: 'sleeves/fine.mjs', runId: 'alpha', args: ['1800'] },
          { name: 'filler', entry: 'sleeves/fill.mjs', runId: 'filler' },
          { name: 'beta', entry: 'sleeves/fine.mjs', runId: 'beta', args: ['1800'] },
        ]),
      });
      runs = path.join(ws, 'runs');
      const why = mountTmpfs(runs);
      assert.equal(why, undefined, why);
      mounted = true;
      run = await runBin(strictRunArgs(ws, ['--manifest', 'manifest.json', '--concurrency', '3', '--cpus', '3']), ws);
      try {
        summary = JSON.parse(run.stdout) as Summary;
      } catch {
        summary = undefined;
      }
    });
    after(() => {
      if (ws) killLeftovers(ws);
      if (mounted) unmount(runs);
      for (const c of cleanups) c();
    });

    it('really filled the disk', () => {
      const st = fs.statfsSync(runs);
      assert.ok(st.bavail * st.bsize < 64 * 1024, `${st.bavail * st.bsize} bytes still free on ${runs}`);
      assert.ok(fs.statSync(path.join(runs, 'filler', 'fill.bin')).size > 512 * 1024);
    });

    it('reports the filler "failed" and exits 1', opts, () => {
      const s = need();
      assert.equal(run.status, 1, show(run));
      assert.equal(s.exitCode, 1);
      const f = sleeveOf(s, 'filler');
      assert.equal(f.status, 'failed');
      assert.equal(f.exitCode, 1);
      if (loud) assert.match(run.stderr, /filler: failed(?: \([^\n]*\))?; logs in /);
    });

    it('leaves no sleeve process behind, and no temp files', opts, async () => {
      await assertNoOrphans(ws, 3);
      assertNoTempLeftovers(ws);
    });

    it('leaves the other sleeves unaffected', opts, () => {
      assertUnaffected(need(), 'alpha');
      assertUnaffected(need(), 'beta');
    });

    it('writes a valid report with no violation', opts, async () => {
      const s = need();
      const report = await assertValidReport(s, ws);
      assert.deepEqual(report.violations, [], show(run));
      assert.equal(parseSummary(run).verdict, 'failed');
    });
  });
}

describe('a full disk under one sleeve', () => {
  diskFullCase('the filler exits 1 quietly on ENOSPC', false, undefined);
  diskFullCase('the filler prints its ENOSPC error on stderr and exits 1', true, undefined);
});
