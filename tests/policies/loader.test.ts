/**
 * The loader's error kinds: a reference given directly that names no policy
 * (a name or a path) is a PolicyNotFoundError, the kind callers branch on;
 * one reached through `extends` is a plain PolicyError at the `extends` of
 * the file that wrote it. Both keep the public code EPOLICY and exit 2.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXIT, PolicyError, PolicyNotFoundError } from '../../policies/errors.js';
import { loadPolicy } from '../../policies/loader.js';
import { createNodeSys } from '../../policies/node-sys.js';
import { withTempDir, writeTree } from '../helpers/tmp.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

describe('loadPolicy: what names no policy', () => {
  it('a name or a path given directly: PolicyNotFoundError, code EPOLICY, exit 2, at the document', () =>
    withTempDir('sleeve-loader-', async (ws) => {
      const opts = { workspace: ws, sys: createNodeSys(undefined, () => ws) };
      for (const ref of ['strcit', './policies/missing.json']) {
        const error = thrown(() => loadPolicy(ref, opts));
        assert.ok(error instanceof PolicyNotFoundError, `${ref}: ${String(error)}`);
        assert.equal(error.code, 'EPOLICY');
        assert.equal(error.exitCode, EXIT.usage);
        assert.equal(error.diagnostics[0]?.jsonPath, '');
      }
    }));

  it('an extends that names no policy: a PolicyError at "extends", not the not-found kind', () =>
    withTempDir('sleeve-loader-', async (ws) => {
      writeTree(ws, { 'policies/team.json': JSON.stringify({ version: 1, name: 'team', extends: 'strcit' }) });
      const error = thrown(() => loadPolicy('team', { workspace: ws, sys: createNodeSys(undefined, () => ws) }));
      assert.ok(error instanceof PolicyError, String(error));
      assert.ok(!(error instanceof PolicyNotFoundError));
      assert.equal(error.diagnostics[0]?.jsonPath, 'extends');
      assert.equal(error.diagnostics[0]?.file, path.join(ws, 'policies', 'team.json'));
    }));

  it('a policy that exists but does not load is not the not-found kind', () =>
    withTempDir('sleeve-loader-', async (ws) => {
      writeTree(ws, { 'policies/broken.json': '{ "version": 1,' });
      const error = thrown(() => loadPolicy('broken', { workspace: ws, sys: createNodeSys(undefined, () => ws) }));
      assert.ok(error instanceof PolicyError && !(error instanceof PolicyNotFoundError), String(error));
    }));
});
