/**
 * No blind names, through the real bin: while a batch runs, the TEST itself
 * (an outside actor: a sleeve under strict cannot write there, its guard
 * refuses) writes below `data/lakehouse/deep/node_modules/` and into
 * `data/lakehouse/sub/.git/HEAD`. Both come back as violations, exit 3;
 * the top-level `node_modules` stays out of scope.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { WAITING_SLEEVE, collect, readOutcome, release, show, startBin, startedRunDir, track, waitStarted } from './harness.js';

describe('the audit through the CLI: nested node_modules and .git are in scope', () => {
  it('reports a file the test writes into data/lakehouse/deep/node_modules/ and a changed data/lakehouse/sub/.git/HEAD during the batch', async () => {
    const tmp = makeWorkspace();
    const ws = tmp.dir;
    try {
      writeTree(ws, { 'sleeves/alpha.mjs': WAITING_SLEEVE, 'data/lakehouse/sub/.git/HEAD': 'ref: a\n', 'node_modules/dep/index.js': '' });
      const args = ['run', '--policy', 'strict', '--workspace', ws, '--os-layer', 'off', '--json', '--sleeve', 'alpha=sleeves/alpha.mjs'];
      const done = collect(startBin(args, ws));
      const ended = track(done);
      try {
        const runDir = await waitStarted(ws, 'alpha', ended);
        fs.mkdirSync(path.join(ws, 'data/lakehouse/deep/node_modules'), { recursive: true });
        fs.writeFileSync(path.join(ws, 'data/lakehouse/deep/node_modules/x'), 'module.exports = "pwned";\n');
        fs.writeFileSync(path.join(ws, 'data/lakehouse/sub/.git/HEAD'), 'ref: b\n');
        fs.writeFileSync(path.join(ws, 'node_modules/dep/changed.js'), ''); // out of scope: listed as excluded
        await new Promise((r) => setTimeout(r, 300));
        release(runDir);
      } catch (error) {
        const dir = startedRunDir(ws, 'alpha');
        if (dir) release(dir);
        await done;
        throw error;
      }
      const o = readOutcome(ws, await done);
      const ctx = show(o.run);
      assert.equal(o.run.code, 3, ctx);
      assert.equal(o.report.verdict, 'violations', ctx);
      assert.deepEqual(
        o.report.violations.map((v) => [v.path, v.change]),
        [
          ['data/lakehouse/deep', 'added'],
          ['data/lakehouse/deep/node_modules', 'added'],
          ['data/lakehouse/deep/node_modules/x', 'added'],
          ['data/lakehouse/sub/.git/HEAD', 'modified'],
        ],
        ctx,
      );
      for (const v of o.report.violations) {
        assert.ok(v.suspects.includes('alpha'), `${v.path}: suspects ${JSON.stringify(v.suspects)}`);
        assert.match(v.why, /outside every permitted zone/);
      }
      assert.notEqual(o.report.violations.find((v) => v.path === 'data/lakehouse/sub/.git/HEAD')?.time, null, 'the watcher saw the change in the nested .git');
      assert.equal(o.report.sleeves.find((s) => s.name === 'alpha')?.status, 'ok');
    } finally {
      tmp.cleanup();
    }
  });
});
