/**
 * The heap limit holds although the sleeve's loader sets V8's flag back to its default
 * (dist/sandbox/bootstrap.cjs, so that Node's code cache is not rejected on Node < 24): the heap
 * was sized from the flag when the isolate was created. Through the real bin, on whatever Node
 * runs the suite (CI runs it on 20 and 24): the limit V8 reports is the policy's, and a sleeve
 * that keeps allocating dies of V8's own heap exhaustion, well before the resident-memory cap.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { runBin, show } from '../../helpers/cli.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { readOutcome } from '../audit/harness.js';

const HOG = `import v8 from 'node:v8';
export default () => {
  console.log(JSON.stringify({ limit: v8.getHeapStatistics().heap_size_limit }));
  const keep = [];
  for (;;) keep.push(new Array(1e5).fill({ a: 1 }));
};
`;

describe('run: the heap limit with the code-cache loader', () => {
  const ws = makeWorkspace();
  after(ws.cleanup);
  const dir = fs.realpathSync(ws.dir);
  writeTree(dir, { 'sleeves/hog.mjs': HOG });

  it('--memory 64: V8 reports a limit of that order and the sleeve dies of heap exhaustion', async () => {
    const run = await runBin(['run', '--policy', 'strict', '--memory', '64', '--os-layer', 'off', '--json', '-s', 'hog=sleeves/hog.mjs'], dir);
    const hog = readOutcome(dir, run).report.sleeves[0];
    assert.equal(hog?.status, 'oom', show(run));
    const said = JSON.parse(fs.readFileSync(hog.logs.stdout, 'utf8').trim()) as { limit: number };
    // 64 MiB of old space plus the young generation (Node 20/22: 112 MiB in all, Node 24: 256 MiB); without the flag V8 allows gigabytes.
    assert.ok(said.limit > 64 * 1024 * 1024 && said.limit <= 256 * 1024 * 1024, `heap_size_limit ${said.limit}`);
    assert.match(fs.readFileSync(hog.logs.stderr, 'utf8'), /heap out of memory|Reached heap limit/, 'V8 ended it, not the resident-memory cap');
  });
});
