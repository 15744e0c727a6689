import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSleeveEnv, checkExtraEnv } from '../../../runner/batch/env.js';
import { displayStatus, escapeTerminal } from '../../../runner/batch/progress.js';
import { generateRunId } from '../../../runner/batch/run-id.js';
import { exitCodeOf } from '../../../runner/commands/run.js';
import type { SleeveResult } from '../../../runner/batch/types.js';
import { RUN_ID_RE } from '../../../policies/patterns.js';
import { flagModes } from '../../../sandbox/open-flags.js';
import type { ResolvedPolicy } from '../../../policies/types.js';
import fs from 'node:fs';
import { policyOf } from '../../helpers/policy.js';

const policy: ResolvedPolicy = policyOf(
  { allow: [], deny: [] },
  { allow: [], deny: [] },
  { name: 'unit', env: { pass: ['PATH', 'TV_*'], set: { TV_STRICT_ISOLATION: '1' } } },
);

describe('the sleeve environment', () => {
  const who = { name: 'a', runId: 'r1', runDir: '/ws/runs/r1', workspace: '/ws' };
  it('passes only what the policy names, sets its values, and adds the sleeve variables', () => {
    const env = buildSleeveEnv(policy, { PATH: '/bin', TV_X: '1', HOME: '/root', SECRET: 's', NODE_OPTIONS: '--require x' }, { EXTRA: 'e' }, who);
    assert.deepEqual(env, {
      PATH: '/bin',
      TV_X: '1',
      EXTRA: 'e',
      TV_STRICT_ISOLATION: '1',
      SLEEVE_RUN_ID: 'r1',
      SLEEVE_RUN_DIR: '/ws/runs/r1',
      SLEEVE_NAME: 'a',
      SLEEVE_WORKSPACE: '/ws',
      TV_RUN_ID: 'r1',
      TMPDIR: '/ws/runs/r1/tmp',
    });
  });
  it('never passes NODE_OPTIONS even when a policy passes everything', () => {
    const all = { ...policy, env: { pass: ['*'], set: {} } };
    const env = buildSleeveEnv(all, { NODE_OPTIONS: '--allow-fs-write=*', NODE_PATH: '/x', OK: '1' }, {}, who);
    assert.equal(env.NODE_OPTIONS, undefined);
    assert.equal(env.NODE_PATH, undefined);
    assert.equal(env.OK, '1');
  });
  it('refuses manifest variables that override the policy or the sandbox', () => {
    assert.throws(() => checkExtraEnv(policy, { TV_STRICT_ISOLATION: '0' }, 'm.json:3:5'), /set by policy "unit"/);
    assert.throws(() => checkExtraEnv(policy, { NODE_OPTIONS: '' }, 'm.json:3:5'), /never passed/);
    assert.throws(() => checkExtraEnv(policy, { SLEEVE_RUN_ID: 'x' }, 'm.json:3:5'), /set by sleeve-sandbox/);
    checkExtraEnv(policy, { MY_SETTING: 'x' }, 'm.json:3:5');
  });
});

describe('small pieces of the runner', () => {
  it('generates run ids of the documented shape', () => {
    const id = generateRunId('ma_long', new Date(Date.UTC(2026, 10, 21, 23, 59, 58)));
    assert.match(id, /^ma_long_20261121235958_[0-9a-f]{6}$/);
    assert.match(id, RUN_ID_RE);
    assert.notEqual(generateRunId('x'), generateRunId('x'));
  });
  it('escapes control and bidi characters before they reach a terminal', () => {
    assert.equal(escapeTerminal('ok\u001b[2Jname\u202e'), 'ok\\u001b[2Jname\\u202e');
    assert.equal(escapeTerminal('plain name'), 'plain name');
  });
  it('reads open flags as the kernel does', () => {
    const c = fs.constants;
    assert.deepEqual(flagModes(undefined, c), { write: false, read: true });
    assert.deepEqual(flagModes('r', c), { write: false, read: true });
    assert.deepEqual(flagModes('r+', c), { write: true, read: true });
    assert.deepEqual(flagModes('w', c), { write: true, read: false });
    assert.deepEqual(flagModes('ax', c), { write: true, read: false });
    assert.deepEqual(flagModes(c.O_RDONLY, c), { write: false, read: true });
    assert.deepEqual(flagModes(c.O_RDONLY | c.O_CREAT, c), { write: true, read: true });
    assert.deepEqual(flagModes(c.O_WRONLY | c.O_TRUNC, c), { write: true, read: false });
    assert.deepEqual(flagModes(c.O_RDWR, c), { write: true, read: true });
  });
  it('gives exit 3 for any denial, else 1 for any failure, else 0', () => {
    const r = (status: SleeveResult['status'], denials = 0) => ({ status, denials: Array.from({ length: denials }) }) as unknown as SleeveResult;
    assert.equal(exitCodeOf([r('ok'), r('ok')]), 0);
    assert.equal(exitCodeOf([r('ok'), r('failed')]), 1);
    assert.equal(exitCodeOf([r('failed'), r('ok', 1)]), 3);
    assert.equal(exitCodeOf([r('timeout')]), 1);
    assert.equal(displayStatus(r('ok', 2)), 'denied');
  });
});
