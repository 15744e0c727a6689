import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDenialError, denialInfo, formatDecision, isDenialError } from '../../policies/denial.js';
import { compilePolicy } from '../../policies/engine.js';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { checkRequires } from '../../policies/requires.js';
import { makeWorkspace } from '../helpers/tmp.js';

describe('denials and the strict health check', () => {
  let ws: { dir: string; cleanup: () => void };
  let engine: ReturnType<typeof compilePolicy>;
  before(() => {
    ws = makeWorkspace();
    const sys = createNodeSys(undefined, () => ws.dir);
    engine = compilePolicy(loadPolicy('strict', { workspace: ws.dir, sys }).policy, { workspace: ws.dir, runId: 'r1', sys });
  });
  after(() => ws.cleanup());

  it('formats a denial with the op, path, policy, rule and reason', () => {
    assert.equal(
      formatDecision(engine.decide('read', 'data/lakehouse/portfolio_candidates.json')),
      `read denied: data/lakehouse/portfolio_candidates.json (policy strict, fs.read.deny "data/lakehouse/portfolio_candidates.json": strict isolation: use your run's own portfolio_candidates.json)`,
    );
    assert.equal(
      formatDecision(engine.decide('write', 'data/lakehouse/AAPL.csv')),
      'write denied: data/lakehouse/AAPL.csv (policy strict, fs.write: no allow rule matches)',
    );
  });
  it('makes an EACCES error with a brand that survives JSON', () => {
    const error = createDenialError(engine.decide('write', 'data/lakehouse/AAPL.csv'), 'open');
    assert.equal(error.code, 'EACCES');
    assert.equal(error.errno, -13);
    assert.equal(error.syscall, 'open');
    assert.equal(error.path, 'data/lakehouse/AAPL.csv');
    assert.ok(isDenialError(error));
    assert.ok(!isDenialError(Object.assign(new Error('x'), { code: 'EACCES' })));
    const copy = JSON.parse(JSON.stringify(denialInfo(engine.decide('write', 'data/lakehouse/AAPL.csv'))));
    assert.deepEqual(copy, {
      kind: 'sleeve-sandbox-denial',
      op: 'write',
      path: 'data/lakehouse/AAPL.csv',
      resolved: path.join(ws.dir, 'data/lakehouse/AAPL.csv'),
      policy: 'strict',
      rule: 'fs.write',
      reason: 'no allow rule matches',
    });
  });
  it('passes the health check on a non-empty lakehouse and names the path when it is empty or missing', () => {
    const sys = createNodeSys(undefined, () => ws.dir);
    const { policy } = loadPolicy('strict', { workspace: ws.dir, sys });
    checkRequires(policy, { workspace: ws.dir, runId: 'r1', sys });
    fs.rmSync(path.join(ws.dir, 'data/lakehouse'), { recursive: true });
    fs.mkdirSync(path.join(ws.dir, 'data/lakehouse'));
    assert.throws(
      () => checkRequires(policy, { workspace: ws.dir, runId: 'r1', sys }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'EPOLICY');
        assert.match(e.message, /strict\.json:\d+:\d+: error: requires\[0\]: policy "strict" requires data\/lakehouse to be non-empty/);
        return true;
      },
    );
    fs.rmSync(path.join(ws.dir, 'data/lakehouse'), { recursive: true });
    assert.throws(() => checkRequires(policy, { workspace: ws.dir, runId: 'r1', sys }), /requires data\/lakehouse to exist/);
  });
});
