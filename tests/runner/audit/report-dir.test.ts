/**
 * Where reports may go (runner/audit/report-dir.ts), in-process: never the
 * workspace itself, the run root, a protected zone or a sleeve's write zone,
 * since the report dir is left out of the audit; made by the runner, and a
 * link in its place is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { compilePolicy } from '../../../policies/engine.js';
import { loadPolicy } from '../../../policies/loader.js';
import { createNodeSys } from '../../../policies/node-sys.js';
import { prepareReportDir, realish, reportDirProblem } from '../../../runner/audit/report-dir.js';
import { makeTempDir } from '../../helpers/tmp.js';

const tmp = makeTempDir('sleeve-report-dir-');
after(tmp.cleanup);
const ws = path.join(tmp.dir, 'ws');
fs.mkdirSync(path.join(ws, 'policies'), { recursive: true });
fs.writeFileSync(
  path.join(ws, 'policies', 'reports-writer.json'),
  JSON.stringify({ version: 1, name: 'reports-writer', extends: 'strict', fs: { write: { allow: ['out/sub/**'] } } }),
);
const sys = createNodeSys(undefined, () => ws);
const sleeve = (policyRef: string) => {
  const policy = loadPolicy(policyRef, { workspace: ws, sys }).policy;
  return { name: 'alpha', runId: 'r1', runDir: path.join(ws, 'runs', 'r1'), policy, engine: compilePolicy(policy, { workspace: ws, runId: 'r1', sys }) };
};

describe('where the reports may go', () => {
  const facts = (dir: string, policy = 'strict') => ({
    dir,
    workspace: ws,
    runsDir: 'runs',
    protect: ['data/lakehouse/**'],
    sleeves: [sleeve(policy)],
    flag: '--report-dir X',
  });
  it('accepts reports/ in the workspace, and a directory outside it', () => {
    assert.equal(reportDirProblem(facts(path.join(ws, 'reports'))), undefined);
    assert.equal(reportDirProblem(facts(path.join(ws, 'reports', 'b1'))), undefined);
    assert.equal(reportDirProblem(facts(path.join(tmp.dir, 'elsewhere'))), undefined);
  });
  const refused: Array<[string, string, RegExp]> = [
    ['the workspace itself', ws, /the workspace itself/],
    ['a directory that contains the workspace', tmp.dir, /contains the workspace/],
    ['inside the protected lakehouse', path.join(ws, 'data', 'lakehouse', 'reports'), /protected zone/],
    ['a parent of the protected lakehouse', path.join(ws, 'data'), /protected zone/],
    ['inside the run root', path.join(ws, 'runs', 'reports'), /run root/],
    ['a sleeve’s own run dir', path.join(ws, 'runs', 'r1'), /run root/],
  ];
  for (const [title, dir, says] of refused) {
    it(`refuses ${title}`, () => assert.match(reportDirProblem(facts(dir)) ?? '', says));
  }
  it("refuses a directory in a sleeve's write zone, and one that contains a write zone", () => {
    assert.match(reportDirProblem(facts(path.join(ws, 'out', 'sub', 'reports'), 'policies/reports-writer.json')) ?? '', /write zone of sleeve alpha/);
    assert.match(
      reportDirProblem(facts(path.join(ws, 'out'), 'policies/reports-writer.json')) ?? '',
      /contains the write zone "out\/sub\/\*\*" of sleeve alpha/,
    );
    assert.equal(reportDirProblem(facts(path.join(ws, 'elsewhere'), 'policies/reports-writer.json')), undefined);
  });
});

describe('the report dir is made by the runner', () => {
  it('makes a new one, and refuses a planted one for a new batch', () => {
    const dir = path.join(ws, 'reports', 'b2');
    assert.deepEqual(prepareReportDir(dir, true), { created: true });
    assert.throws(() => prepareReportDir(dir, true), /already exists/);
    assert.deepEqual(prepareReportDir(dir, false), { created: false });
    assert.equal(fs.statSync(dir).mode & 0o777, 0o755);
  });
  it('refuses a link in its place, whatever it points at', () => {
    const target = path.join(ws, 'data', 'lakehouse');
    fs.mkdirSync(target, { recursive: true });
    const link = path.join(ws, 'reports', 'planted');
    fs.symlinkSync(target, link);
    assert.throws(() => prepareReportDir(link, false), /not a directory|resolves elsewhere/);
    assert.deepEqual(fs.readdirSync(target), [], 'nothing was written through the link');
  });
  it('takes the real path of a directory reached through a link, so the checks see where it really is', () => {
    const link = path.join(tmp.dir, 'to-lake');
    fs.symlinkSync(path.join(ws, 'data', 'lakehouse'), link);
    assert.equal(realish(path.join(link, 'new', 'reports')), path.join(fs.realpathSync(ws), 'data', 'lakehouse', 'new', 'reports'));
  });
});
