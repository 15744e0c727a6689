/**
 * The run root on disk (runner/batch/runs-dir.ts): which one a batch uses,
 * and that neither the check nor the creation ever goes through a symlink.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../../policies/errors.js';
import { runsDirProblem } from '../../../policies/runs-dir.js';
import { makeRunsDir, resolveRunsDir, runsDirFlag, runsDirOnDiskProblem } from '../../../runner/batch/runs-dir.js';
import { makeTempDir } from '../../helpers/tmp.js';

describe('the run root of a batch', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });
  const tmp = () => {
    const t = makeTempDir('sleeve-runsdir-');
    cleanups.push(t.cleanup);
    return t.dir;
  };

  it("is --runs-dir, else runs (the manifest's own value is covered through the CLI)", () => {
    const ws = tmp();
    assert.equal(resolveRunsDir(ws, undefined, undefined), 'runs');
    assert.equal(resolveRunsDir(ws, 'artifacts/summaries/runs', undefined), 'artifacts/summaries/runs');
    assert.equal(runsDirFlag(undefined), 'runs');
    assert.throws(
      () => runsDirFlag('a/../b'),
      (e: Error) => e instanceof UsageError && e.exitCode === 2 && /--runs-dir "a\/..\/b" contains ".."/.test(e.message),
    );
  });

  it('accepts plain nested paths and refuses every spelling that could overlap another area', () => {
    for (const ok of ['runs', 'artifacts/summaries/runs', 'out', 'data/runs', 'data/lakehouse2', '.cache/runs', 'reportsx'])
      assert.equal(runsDirProblem(ok), undefined, ok);
    for (const bad of [
      '',
      '.',
      './runs',
      'runs/',
      '/abs',
      'C:/runs',
      'a\\b',
      '..',
      'x/..',
      'data/lakehouse',
      'data/lakehouse/x',
      'data',
      '.git',
      '.git/x',
      'reports',
      'reports/x',
      'runs/**',
      'run?',
      'r[0]',
      '{a,b}',
      'a\nb',
    ]) {
      assert.notEqual(runsDirProblem(bad), undefined, JSON.stringify(bad));
    }
  });

  it('attack: a symlink anywhere on the way is refused, whatever it points at (inside the workspace too)', () => {
    const ws = tmp();
    const outside = tmp();
    fs.mkdirSync(path.join(ws, 'artifacts'));
    fs.symlinkSync(outside, path.join(ws, 'artifacts', 'summaries'));
    assert.match(runsDirOnDiskProblem(ws, 'artifacts/summaries/runs') ?? '', /goes through the symlink artifacts\/summaries/);
    assert.throws(() => resolveRunsDir(ws, 'artifacts/summaries/runs', undefined), /--runs-dir "artifacts\/summaries\/runs" goes through the symlink/);
    fs.mkdirSync(path.join(ws, 'real'));
    fs.symlinkSync('real', path.join(ws, 'inside'));
    assert.match(runsDirOnDiskProblem(ws, 'inside/runs') ?? '', /goes through the symlink inside \(-> real\)/);
    assert.equal(runsDirOnDiskProblem(ws, 'real/runs'), undefined);
  });

  it('attack: a symlink that appears after the plan stops the creation: nothing is made where it points', () => {
    const ws = tmp();
    const outside = tmp();
    assert.equal(resolveRunsDir(ws, 'artifacts/summaries/runs', undefined), 'artifacts/summaries/runs');
    fs.mkdirSync(path.join(ws, 'artifacts'));
    fs.symlinkSync(outside, path.join(ws, 'artifacts', 'summaries'));
    assert.throws(
      () => makeRunsDir(ws, 'artifacts/summaries/runs'),
      (e: Error) => e instanceof UsageError && /goes through the symlink artifacts\/summaries/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('creates the run root and its parents as real directories', () => {
    const ws = tmp();
    assert.equal(makeRunsDir(ws, 'artifacts/summaries/runs'), path.join(ws, 'artifacts/summaries/runs'));
    assert.ok(fs.lstatSync(path.join(ws, 'artifacts/summaries/runs')).isDirectory());
    assert.equal(makeRunsDir(ws, 'artifacts/summaries/runs'), path.join(ws, 'artifacts/summaries/runs'), 'again: it exists');
  });
});
