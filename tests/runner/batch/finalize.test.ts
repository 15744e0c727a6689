/**
 * openBatchResults on a real directory tree: read for others only where the
 * combine step's policy reads, search on the directories above, never a
 * write bit, never through a symlink, never on a file with a second link.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { compilePolicy } from '../../../policies/engine.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import { openBatchResults } from '../../../runner/batch/finalize.js';
import { policyOf } from '../../helpers/policy.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

describe('openBatchResults', () => {
  const tmp = makeTempDir('sleeve-finalize-');
  after(tmp.cleanup);
  const ws = fs.realpathSync(tmp.dir);
  writeTree(ws, {
    'runs/a/report.json': '{}',
    'runs/a/deep/er/report.json': '{}',
    'runs/a/notes.txt': 'x',
    'runs/b/report.json': '{}',
    'secrets/token.txt': 's3cr3t',
  });
  const mode = (rel: string) => fs.lstatSync(path.join(ws, rel)).mode & 0o777;
  for (const rel of ['runs/a/report.json', 'runs/a/deep/er/report.json', 'runs/a/notes.txt', 'runs/b/report.json', 'secrets/token.txt'])
    fs.chmodSync(path.join(ws, rel), 0o600);
  for (const rel of ['runs/a', 'runs/a/deep', 'runs/a/deep/er', 'runs/b']) fs.chmodSync(path.join(ws, rel), 0o700);
  fs.symlinkSync(path.join(ws, 'secrets'), path.join(ws, 'runs/a/link'));
  fs.linkSync(path.join(ws, 'secrets/token.txt'), path.join(ws, 'runs/b/hard.json'));
  const policy = policyOf({ allow: ['{runDir}/**', '{batchRunDirs}/**/*.json'], deny: [] }, { allow: ['{runDir}/**'], deny: [] });
  const engine = compilePolicy(policy, { workspace: ws, runId: 'fin', sys: createNodeSys(undefined, () => ws), batchRunIds: ['a', 'b'] });

  it('adds o+r to the files the policy reads and o+x to the directories above them, nothing else', () => {
    const opened = openBatchResults([path.join(ws, 'runs/a'), path.join(ws, 'runs/b')], engine);
    assert.equal(mode('runs/a/report.json'), 0o604);
    assert.equal(mode('runs/a/deep/er/report.json'), 0o604);
    assert.equal(mode('runs/b/report.json'), 0o604);
    assert.equal(mode('runs/a/notes.txt'), 0o600, 'not a .json: its policy does not read it');
    assert.equal(mode('runs/a/deep'), 0o701);
    assert.equal(mode('runs/a/deep/er'), 0o701);
    assert.equal(mode('runs/a'), 0o701);
    assert.deepEqual(opened.skipped, [path.join(ws, 'runs/b/hard.json')]);
    assert.equal(mode('secrets/token.txt'), 0o600, 'neither through the link nor the hard link');
    assert.equal(fs.lstatSync(path.join(ws, 'runs/a/link')).isSymbolicLink(), true);
    assert.equal(opened.files, 3);
  });

  it('opens nothing when the policy reads nothing of the batch', () => {
    const none = compilePolicy(policy, { workspace: ws, runId: 'fin', sys: createNodeSys(undefined, () => ws) });
    fs.chmodSync(path.join(ws, 'runs/b/report.json'), 0o600);
    const opened = openBatchResults([path.join(ws, 'runs/b')], none);
    assert.equal(opened.files, 0);
    assert.equal(mode('runs/b/report.json'), 0o600);
  });
});
