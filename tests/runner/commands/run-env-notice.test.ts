/**
 * `run` through the real bin tells, once per batch on stderr, which parent
 * variables that look relevant the sleeves' policies dropped (names only),
 * and audit.json keeps the same names per sleeve; the sleeve indeed does not
 * see them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { type BatchOutcome, childEnv, readOutcome, runBin, show } from '../audit/harness.js';

const HEADER = 'sleeve-sandbox: set in this environment but not passed to the sleeves';
const VALUE = 'value-that-must-never-be-printed';

describe('run names the relevant parent variables its policies drop, once', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });
  let o: BatchOutcome;
  let ws: string;
  before(async () => {
    const w = makeWorkspace();
    cleanups.push(w.cleanup);
    ws = w.dir;
    writeTree(ws, {
      'sleeves/show-env.mjs':
        "import fs from 'node:fs';\nimport path from 'node:path';\nconst seen = { DEBUG: process.env.DEBUG ?? null, MA_LONG_WINDOW: process.env.MA_LONG_WINDOW ?? null, TV_DATE: process.env.TV_DATE ?? null };\nfs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'seen.json'), JSON.stringify(seen));\n",
    });
    // The test's own environment, without anything on the noticed list, so the expected lists are exact.
    const env = childEnv({ DEBUG: VALUE, MA_LONG_WINDOW: VALUE, TV_DATE: '2024-01-02' });
    for (const k of Object.keys(env)) if (/^(?:NODE_ENV|TZ|LANG|LANGUAGE|LC_.*|LOG_LEVEL|LOGLEVEL|VERBOSE|NO_COLOR|FORCE_COLOR|CI)$/.test(k)) delete env[k];
    const run = await runBin(
      ['run', '--policy', 'strict', '--sleeve', 'ma_long=sleeves/show-env.mjs', '--sleeve', 'ma_short=sleeves/show-env.mjs', '--json'],
      ws,
      env,
    );
    o = readOutcome(ws, run);
    assert.equal(run.code, 0, show(run));
  });
  it('prints the notice exactly once for the batch, one line for the policy, naming both sleeves and the fix', () => {
    const lines = o.run.stderr.split('\n');
    assert.equal(lines.filter((l) => l.startsWith(HEADER)).length, 1, show(o.run));
    const line = lines.filter((l) => l.startsWith('  policy "strict"'));
    assert.deepEqual(
      line,
      ['  policy "strict" (ma_long, ma_short): DEBUG, MA_LONG_WINDOW; to pass DEBUG, MA_LONG_WINDOW, add them to "env.pass" in a policy that extends "strict"'],
      show(o.run),
    );
    assert.equal(o.run.stderr.split('MA_LONG_WINDOW').length - 1, 2, 'the names appear in that one line only');
  });
  it('never prints a value, and says nothing of a variable the policy passes (TV_*)', () => {
    for (const text of [o.run.stderr, o.run.stdout, fs.readFileSync(o.summary.reports.json, 'utf8')]) assert.ok(!text.includes(VALUE), text);
    assert.ok(!o.run.stderr.includes('TV_DATE'), show(o.run));
  });
  it('records the same names per sleeve in audit.json (envDropped)', () => {
    const by = (n: string) => o.report.sleeves.find((s) => s.name === n);
    assert.deepEqual(by('ma_long')?.envDropped, ['DEBUG', 'MA_LONG_WINDOW']);
    assert.deepEqual(by('ma_short')?.envDropped, ['DEBUG']);
  });
  it('is right: the sleeves did not see the dropped variables, and saw the passed one', () => {
    const dir = o.runDirs.get('ma_long') as string;
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'seen.json'), 'utf8')), { DEBUG: null, MA_LONG_WINDOW: null, TV_DATE: '2024-01-02' });
  });
});

describe('run prints no notice when the policy passes what is set', () => {
  it('stays quiet with a workspace policy that passes DEBUG', async () => {
    const w = makeWorkspace();
    try {
      writeTree(w.dir, {
        'sleeves/ok.mjs': "console.log('ok');\n",
        'policies/loud.json': JSON.stringify({ version: 1, name: 'loud', extends: 'strict', env: { pass: ['DEBUG'] } }),
      });
      const env = childEnv({ DEBUG: VALUE });
      for (const k of Object.keys(env)) if (/^(?:NODE_ENV|TZ|LANG|LANGUAGE|LC_.*|LOG_LEVEL|LOGLEVEL|VERBOSE|NO_COLOR|FORCE_COLOR|CI)$/.test(k)) delete env[k];
      const run = await runBin(['run', '--policy', 'loud', '--sleeve', 'solo=sleeves/ok.mjs', '--json'], w.dir, env);
      const out = readOutcome(w.dir, run);
      assert.equal(run.code, 0, show(run));
      assert.ok(!run.stderr.includes(HEADER), show(run));
      assert.equal(out.report.sleeves[0]?.envDropped, undefined);
    } finally {
      w.cleanup();
    }
  });
});
