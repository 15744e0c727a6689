/**
 * A corrupt or missing policy in the middle of a manifest: the 2nd of 3
 * sleeves names a policy file that is truncated, empty, not there, of an
 * unknown name, or valid JSON the schema refuses. The batch must stop with
 * exit 2 and a message naming the culprit before anything runs: the 1st
 * sleeve (whose policy is fine) never starts, nothing appears under runs/,
 * no reports/ is made, the workspace is as it was.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FINE_SLEEVE, assertNoTempLeftovers, listTree, manifest, repoRoot, runBin, show, strictRunArgs, workspace } from './harness.js';

const strictText = fs.readFileSync(path.join(repoRoot, 'policies', 'strict.json'), 'utf8');

interface Case {
  title: string;
  /** What the 2nd sleeve's "policy" says (relative to the manifest). */
  ref: string;
  /** Files to add to the workspace. */
  files: Record<string, string>;
  /** What stderr must say. */
  message: RegExp;
}

const cases: Case[] = [
  {
    title: 'a policy file cut off half-way (invalid JSON)',
    ref: 'policies/cut.json',
    files: { 'policies/cut.json': strictText.slice(0, Math.floor(strictText.length / 2)) },
    message: /policies\/cut\.json:\d+:\d+: error: invalid JSON/,
  },
  {
    title: 'an empty policy file',
    ref: 'policies/empty.json',
    files: { 'policies/empty.json': '' },
    message: /policies\/empty\.json:1:1: error: invalid JSON: the file is empty/,
  },
  {
    title: 'a policy file that does not exist',
    ref: 'policies/missing.json',
    files: {},
    message: /manifest\.json:\d+:\d+: error: sleeves\[1\]\.policy: policy file not found: .*policies\/missing\.json/,
  },
  {
    title: 'a policy name that does not exist',
    ref: 'no-such-policy',
    files: {},
    message: /manifest\.json:\d+:\d+: error: sleeves\[1\]\.policy: no policy named "no-such-policy"/,
  },
  {
    title: 'a policy file with an unknown key (valid JSON, refused by the schema)',
    ref: 'policies/extra.json',
    files: { 'policies/extra.json': strictText.replace('"net": false,', '"net": false,\n  "nett": true,') },
    message: /policies\/extra\.json:\d+:\d+: error: nett: unknown key "nett"/,
  },
];

describe('a corrupt or missing policy in the middle of a manifest', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });

  for (const c of cases) {
    it(`${c.title}: exit 2 before anything runs, nothing created`, async () => {
      const ws = workspace(cleanups, {
        ...c.files,
        'sleeves/fine.mjs': FINE_SLEEVE,
        'manifest.json': manifest([
          { name: 'first', entry: 'sleeves/fine.mjs', runId: 'first' },
          { name: 'second', entry: 'sleeves/fine.mjs', runId: 'second', policy: c.ref },
          { name: 'third', entry: 'sleeves/fine.mjs', runId: 'third' },
        ]),
      });
      const before = listTree(ws);
      const run = await runBin(strictRunArgs(ws, ['--manifest', 'manifest.json']), ws);
      assert.equal(run.status, 2, show(run));
      // With --json, the error is the JSON on stdout (no summary: nothing ran).
      const out = JSON.parse(run.stdout) as { error?: { exitCode: number; message: string }; sleeves?: unknown };
      assert.equal(out.sleeves, undefined, 'a run summary was printed');
      assert.equal(out.error?.exitCode, 2, run.stdout);
      assert.match(out.error?.message ?? '', c.message, show(run));
      assert.doesNotMatch(run.stderr, /\[first\]|running/, 'a sleeve was started');
      assert.deepEqual(listTree(path.join(ws, 'runs')), [], 'something was created under runs/');
      assert.equal(fs.existsSync(path.join(ws, 'reports')), false, 'a reports/ dir was created');
      assert.deepEqual(listTree(ws), before);
      assertNoTempLeftovers(ws);
    });
  }
});
