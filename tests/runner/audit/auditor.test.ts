/**
 * The auditor as the runner uses it (begin, changes, finish), in-process:
 * what it lists as left out of scope, and a change below a nested
 * `node_modules` or `.git` coming back as a violation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createAuditor, excludedFromAudit } from '../../../runner/audit/auditor.js';
import { strictPolicy } from '../../helpers/guarded.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';

describe('the auditor', () => {
  it('lists every exclusion: the top-level defaults, the ignore globs, the report dir (relative inside, absolute outside)', () => {
    const ws = '/w/space';
    assert.deepEqual(
      excludedFromAudit({ workspace: ws, ignore: ['scratch/**', 'data/tmp/*.log'], excludeAbs: ['/w/space/reports', path.join(os.tmpdir(), 'out')] }),
      ['.git', 'node_modules', 'scratch/**', 'data/tmp/*.log', 'reports', path.join(os.tmpdir(), 'out')],
    );
    assert.deepEqual(excludedFromAudit({ workspace: ws, ignore: [], excludeAbs: ['/w/space/out/reports'] }), ['.git', 'node_modules', 'out/reports']);
  });

  it('reports changes below data/lakehouse/deep/node_modules and data/lakehouse/sub/.git, and lists its exclusions', async () => {
    const tmp = makeWorkspace();
    const ws = tmp.dir;
    try {
      writeTree(ws, { 'data/lakehouse/sub/.git/HEAD': 'ref: a\n', 'node_modules/dep/index.js': '', 'scratch/keep': '' });
      const auditor = createAuditor({
        workspace: ws,
        ignore: ['scratch/**'],
        excludeAbs: [path.join(ws, 'reports')],
        protect: ['data/lakehouse/**'],
        hash: true,
        watch: true,
      });
      await auditor.begin();
      const started = Date.now();
      writeTree(ws, { 'data/lakehouse/deep/node_modules/x': 'x\n', 'node_modules/dep/evil.js': '', 'scratch/tmp': '', 'reports/b/audit.json': '{}' });
      fs.writeFileSync(path.join(ws, 'data/lakehouse/sub/.git/HEAD'), 'ref: b\n');
      fs.mkdirSync(path.join(ws, 'runs/a'));
      const outcome = await auditor.finish([
        {
          name: 'a',
          kind: 'sleeve',
          runId: 'a',
          runDir: path.join(ws, 'runs/a'),
          policy: strictPolicy(ws),
          writes: new Set([path.join(ws, 'data/lakehouse/deep/node_modules/x')]),
          startedMs: started,
          endedMs: Date.now(),
        },
      ]);
      assert.deepEqual(
        outcome.violations.map((v) => [v.path, v.change]),
        [
          ['data/lakehouse/deep', 'added'],
          ['data/lakehouse/deep/node_modules', 'added'],
          ['data/lakehouse/deep/node_modules/x', 'added'],
          ['data/lakehouse/sub/.git/HEAD', 'modified'],
        ],
      );
      assert.deepEqual(outcome.excluded, ['.git', 'node_modules', 'scratch/**', 'reports']);
      assert.deepEqual(outcome.boundsHit, []);
    } finally {
      tmp.cleanup();
    }
  });
});
