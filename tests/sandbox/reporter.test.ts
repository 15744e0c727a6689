/**
 * The write records a guard sends (sandbox/reporter.ts), in-process: one per
 * distinct path, none below a directory inside the run dir that was already
 * reported (the auditor's coveredAt explains those by the directory), and
 * never one fewer outside the run dir.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReporter } from '../../sandbox/reporter.js';

const RUN = '/ws/runs/r1';

/** `null`: no run dir given. */
function recorder(runDir: string | null = RUN) {
  const lines: string[] = [];
  const reporter = createReporter(
    (_fd, data, offset) => {
      lines.push(data.subarray(offset).toString('utf8'));
      return data.length - offset;
    },
    3,
    () => assert.fail('the channel broke'),
    5,
    runDir ?? undefined,
  );
  const paths = () => lines.flatMap((l) => (JSON.parse(l) as { paths: string[] }).paths);
  return { reporter, paths };
}

describe('reporter: write records', () => {
  it('sends a directory once and nothing below it inside the run dir, at any depth', () => {
    const { reporter, paths } = recorder();
    reporter.wrote(`${RUN}/out`);
    reporter.wrote(`${RUN}/out/a.csv`);
    reporter.wrote(`${RUN}/out/deep`);
    reporter.wrote(`${RUN}/out/deep/b.csv`);
    reporter.wrote(`${RUN}/top.csv`);
    reporter.wrote(`${RUN}/top.csv`);
    assert.deepEqual(paths(), [`${RUN}/out`, `${RUN}/top.csv`]);
  });

  it('covers everything below the run dir once the run dir itself was written (as the auditor does)', () => {
    const { reporter, paths } = recorder();
    reporter.wrote(RUN);
    reporter.wrote(`${RUN}/x/y.csv`);
    assert.deepEqual(paths(), [RUN]);
  });

  it('never lets a directory outside the run dir, or a sibling sharing its prefix, cover a record', () => {
    const { reporter, paths } = recorder();
    const wrote = ['/ws/runs', `${RUN}/a.csv`, '/ws/runs/r1x', '/ws/runs/r1x/b.csv', '/ws/data', '/ws/data/c.csv', '/ws/runs/r1-out/d'];
    for (const p of wrote) reporter.wrote(p);
    assert.deepEqual(paths(), wrote);
  });

  it('sends every distinct path when it was given no run dir (a run dir that is not its real path)', () => {
    const { reporter, paths } = recorder(null);
    const wrote = [`${RUN}/out`, `${RUN}/out/a.csv`, `${RUN}/out/deep/b.csv`];
    for (const p of wrote) reporter.wrote(p);
    assert.deepEqual(paths(), wrote);
  });

  it('decides with the string methods it captured: replacing them later changes no record', () => {
    const { reporter, paths } = recorder();
    const saved = {
      lastIndexOf: String.prototype.lastIndexOf,
      slice: String.prototype.slice,
      startsWith: String.prototype.startsWith,
      has: Set.prototype.has,
    };
    try {
      String.prototype.lastIndexOf = () => -1;
      String.prototype.slice = () => `${RUN}/out`;
      String.prototype.startsWith = () => true;
      reporter.wrote('/ws/data/lake.csv');
      reporter.wrote(`${RUN}/out`);
      Set.prototype.has = () => true;
      reporter.wrote(`${RUN}/elsewhere.csv`);
    } finally {
      Object.assign(String.prototype, { lastIndexOf: saved.lastIndexOf, slice: saved.slice, startsWith: saved.startsWith });
      Set.prototype.has = saved.has;
    }
    assert.deepEqual(paths(), ['/ws/data/lake.csv', `${RUN}/out`, `${RUN}/elsewhere.csv`]);
  });
});
