import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as api from '../../policies/index.js';
import { ACKNOWLEDGEABLE } from '../../policies/schema.js';

describe('the public surface of the policy package', () => {
  it('exports exactly these names', () => {
    assert.deepEqual(Object.keys(api).sort(), [
      'BUILTIN_POLICY_DIR',
      'BUILTIN_POLICY_NAMES',
      'EXIT',
      'LINT_RULES',
      'LINT_RULE_IDS',
      'NETWORK_SYSTEM_PATHS',
      'OS_LAYER_SETTINGS',
      'POLICY_FORMAT_VERSION',
      'PolicyError',
      'RUN_ID_RE',
      'SYSTEM_PATHS',
      'SleeveSandboxError',
      'UsageError',
      'VARIABLES',
      'absoluteRaw',
      'checkPattern',
      'checkRequires',
      'checkRunId',
      'compileNodeFlags',
      'compileOsLayer',
      'compilePolicy',
      'createCapabilityDenialError',
      'createDenialError',
      'createNodeSys',
      'denialInfo',
      'describeRule',
      'detectNodeFeatures',
      'expandVariables',
      'explainPolicy',
      'formatDecision',
      'formatDiagnostic',
      'formatJsonPath',
      'identityFiles',
      'isDenialError',
      'isPolicyPath',
      'isSleeveSandboxError',
      'lintPolicy',
      'listPolicyNames',
      'loadPolicy',
      'loadPolicyFile',
      'locatePolicy',
      'mergeChain',
      'parseJsonSource',
      'pathToString',
      'patternBase',
      'policyJsonSchema',
      'policySchema',
      'policyToJson',
      'resolveReal',
      'strictestOsLayer',
      'unenforceableDenies',
    ]);
  });
  it('keeps the lint rules and the ids a policy may acknowledge in step', () => {
    assert.deepEqual([...api.LINT_RULE_IDS].sort(), [...ACKNOWLEDGEABLE].sort());
  });
  it('keeps the exit codes of the contract', () => {
    assert.deepEqual({ ...api.EXIT }, { ok: 0, sleeveFailed: 1, usage: 2, denied: 3, unproven: 4, internal: 70 });
  });
});
