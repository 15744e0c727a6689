/**
 * Which parent variables a policy drops that look relevant to a sleeve, and
 * the one notice `run` prints about them: the pure decision, in-process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTICED_ENV, buildSleeveEnv, droppedEnv, droppedEnvNotice, sleeveEnvWord } from '../../../runner/batch/env.js';
import type { ResolvedPolicy } from '../../../policies/types.js';
import { policyOf } from '../../helpers/policy.js';

const none = { allow: [], deny: [] };
const chainOf = (name: string, kind: 'builtin' | 'workspace' | 'file', file: string) => [{ name, file, kind, sha256: '0'.repeat(64) }];
const strictLike: ResolvedPolicy = policyOf(none, none, {
  name: 'strict',
  chain: chainOf('strict', 'builtin', '/pkg/policies/strict.json'),
  env: { pass: ['PATH', 'TV_*'], set: { TV_STRICT_ISOLATION: '1' } },
});

describe('droppedEnv: the relevant parent variables a sleeve will not see', () => {
  it('names the well-known behaviour variables the policy does not pass, sorted, and nothing it passes', () => {
    const parent = { DEBUG: 'app:*', TZ: 'Europe/Paris', LANG: 'fr_FR.UTF-8', LC_NUMERIC: 'de_DE', LOG_LEVEL: 'debug', TV_DATE: '2024-01-02', PATH: '/bin' };
    assert.deepEqual(droppedEnv(strictLike, parent, {}, 'alpha'), ['DEBUG', 'LANG', 'LC_NUMERIC', 'LOG_LEVEL', 'TZ']);
  });
  it('leaves out what every shell has, credentials and anything not in the list', () => {
    const parent = {
      HOME: '/root',
      USER: 'u',
      SHELL: '/bin/sh',
      TERM: 'xterm',
      PWD: '/',
      AWS_SECRET_ACCESS_KEY: 'k',
      HTTPS_PROXY: 'http://p',
      GITHUB_TOKEN: 't',
    };
    assert.deepEqual(droppedEnv(strictLike, parent, {}, 'alpha'), []);
  });
  it('includes variables that hold the sleeve name as whole words, upper-cased with "-" and "." as "_"', () => {
    const parent = { MA_LONG_WINDOW: '20', X_MA_LONG: '1', MA_LONG: '1', CFG_MA_LONG_Y: '1', DRAMA_LONGER: 'no', MA_LONGER: 'no', ma_long_lower: 'no' };
    assert.equal(sleeveEnvWord('ma-long'), 'MA_LONG');
    assert.equal(sleeveEnvWord('ma.long'), 'MA_LONG');
    assert.deepEqual(droppedEnv(strictLike, parent, {}, 'ma-long'), ['CFG_MA_LONG_Y', 'MA_LONG', 'MA_LONG_WINDOW', 'X_MA_LONG', 'ma_long_lower']);
  });
  it('ignores a one-character sleeve name (it would match half the environment)', () => {
    assert.equal(sleeveEnvWord('a'), undefined);
    assert.equal(sleeveEnvWord('-'), undefined);
    assert.deepEqual(droppedEnv(strictLike, { A_THING: '1', EXTRA_A: '1' }, {}, 'a'), []);
  });
  it('follows the prefix of the variables the manifest or the policy sets (MOMO_SYMBOL in the manifest suggests MOMO_*)', () => {
    const own = policyOf(none, none, { env: { pass: [], set: { RISK_LIMIT: '3' } } });
    const parent = { MOMO_DATE: 'd', RISK_MODEL: 'm', OTHER_THING: 'o', MOMO_SYMBOL: 'shadowed by the manifest' };
    assert.deepEqual(droppedEnv(own, parent, { MOMO_SYMBOL: 'SPY' }, 'alpha'), ['MOMO_DATE', 'RISK_MODEL']);
  });
  it('never follows NODE_ or SLEEVE_ as a family', () => {
    const own = policyOf(none, none, { env: { pass: [], set: { NODE_ENV: 'production' } } });
    assert.deepEqual(droppedEnv(own, { NODE_DEBUG: 'net', SLEEVE_OTHER: '1', NODE_ENV: 'test' }, {}, 'alpha'), []);
  });
  it('counts a variable as reaching the sleeve when passed by pattern, set by the policy or the manifest, or set by the sandbox', () => {
    const p = policyOf(none, none, { env: { pass: ['DEBUG', 'LC_*'], set: { TZ: 'UTC' } } });
    const parent = { DEBUG: '1', LC_ALL: 'C', TZ: 'Asia/Tokyo', LANG: 'C', TMPDIR: '/tmp', SLEEVE_NAME: 'outer' };
    assert.deepEqual(droppedEnv(p, parent, { LANG: 'en_US.UTF-8' }, 'alpha'), []);
  });
  it('agrees with buildSleeveEnv: every name it reports is absent from the sleeve environment, every other listed name is there', () => {
    const parent: Record<string, string> = {
      PATH: '/bin',
      CI: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '1',
      VERBOSE: '1',
      LOGLEVEL: 'x',
      LANGUAGE: 'fr',
      NODE_ENV: 'production',
      TV_X: '1',
      BETA_K: 'k',
    };
    const dropped = droppedEnv(strictLike, parent, {}, 'beta');
    const env = buildSleeveEnv(strictLike, parent, {}, { name: 'beta', runId: 'r', runDir: '/ws/runs/r', workspace: '/ws' });
    assert.deepEqual(dropped, ['BETA_K', 'CI', 'FORCE_COLOR', 'LANGUAGE', 'LOGLEVEL', 'NODE_ENV', 'NO_COLOR', 'VERBOSE']);
    for (const n of dropped) assert.equal(env[n], undefined, n);
    assert.equal(env.TV_X, '1');
  });
  it('reports NODE_ENV even when the policy passes "*" or "NODE_ENV" (NODE_* never pass), unless the policy sets it', () => {
    const all = policyOf(none, none, { env: { pass: ['*', 'NODE_ENV'], set: {} } });
    assert.deepEqual(droppedEnv(all, { NODE_ENV: 'production', DEBUG: '1' }, {}, 'alpha'), ['NODE_ENV']);
    const set = policyOf(none, none, { env: { pass: [], set: { NODE_ENV: 'production' } } });
    assert.deepEqual(droppedEnv(set, { NODE_ENV: 'test' }, {}, 'alpha'), []);
  });
  it('skips unset values and names env.pass could not name', () => {
    assert.deepEqual(droppedEnv(strictLike, { DEBUG: undefined, 'LC_\u001b[31m': 'x', 'DEBUG-X': '1' }, {}, 'alpha'), []);
  });
  it('lists every documented variable in NOTICED_ENV', () => {
    assert.deepEqual(
      [...NOTICED_ENV],
      ['DEBUG', 'NODE_ENV', 'TZ', 'LANG', 'LANGUAGE', 'LC_*', 'LOG_LEVEL', 'LOGLEVEL', 'VERBOSE', 'NO_COLOR', 'FORCE_COLOR', 'CI'],
    );
  });
});

describe('droppedEnvNotice: one notice per batch', () => {
  it('is empty when nothing relevant was dropped', () => {
    assert.deepEqual(droppedEnvNotice([]), []);
    assert.deepEqual(droppedEnvNotice([{ sleeve: 'a1', policy: strictLike, dropped: [] }]), []);
  });
  it('has one line per policy, naming its sleeves and the union of their variables, and the fix', () => {
    const own = policyOf(none, none, { name: 'mine', chain: chainOf('mine', 'workspace', '/ws/policies/mine.json') });
    const lines = droppedEnvNotice([
      { sleeve: 'ma_long', policy: strictLike, dropped: ['DEBUG', 'MA_LONG_WINDOW'] },
      { sleeve: 'ma_short', policy: strictLike, dropped: ['DEBUG'] },
      { sleeve: 'quiet', policy: strictLike, dropped: [] },
      { sleeve: 'other', policy: own, dropped: ['TZ'] },
    ]);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0] as string, /^sleeve-sandbox: set in this environment but not passed to the sleeves .*names only/);
    assert.equal(
      lines[1],
      '  policy "strict" (ma_long, ma_short): DEBUG, MA_LONG_WINDOW; to pass DEBUG, MA_LONG_WINDOW, add them to "env.pass" in a policy that extends "strict"',
    );
    assert.equal(lines[2], '  policy "mine" (other): TZ; to pass TZ, add it to "env.pass" in policy "mine" (/ws/policies/mine.json)');
  });
  it('says NODE_* variables go in env.set, not env.pass', () => {
    const lines = droppedEnvNotice([{ sleeve: 'a1', policy: strictLike, dropped: ['DEBUG', 'NODE_ENV'] }]);
    assert.equal(
      lines[1],
      '  policy "strict" (a1): DEBUG, NODE_ENV; to pass DEBUG, add it to "env.pass" in a policy that extends "strict"; NODE_ENV is never passed (NODE_* variables change how node starts): give it a value in "env.set" instead',
    );
  });
  it('never carries a value', () => {
    const parent = { DEBUG: 'hunter2-value', ALPHA_KEY: 'hunter2-value' };
    const text = droppedEnvNotice([{ sleeve: 'alpha', policy: strictLike, dropped: droppedEnv(strictLike, parent, {}, 'alpha') }]).join('\n');
    assert.ok(text.includes('ALPHA_KEY') && text.includes('DEBUG'), text);
    assert.ok(!text.includes('hunter2'), text);
  });
});
