/**
 * Manifest discovery and path suggestions (runner/batch/discover.ts), and how
 * planBatch uses them: the manifest here or above, stopping at a `.git`
 * boundary or the root; the workspace defaulting to the manifest's directory;
 * an entry, a --manifest path or a policy name that does not exist answered
 * with the likely fix (exit 2, nothing created).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXIT, SleeveSandboxError } from '../../../policies/errors.js';
import { type DiscoverFs, MANIFEST_FILE, findManifest, suggestEntry, suggestManifestPath } from '../../../runner/batch/discover.js';
import { locateManifest, planBatch } from '../../../runner/batch/plan.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

/** A DiscoverFs over a list of files (directories are implied by them). */
function fakeFs(files: string[]): DiscoverFs {
  const set = new Set(files);
  const dirs = new Set<string>();
  for (const f of files)
    for (let d = path.dirname(f); !dirs.has(d); d = path.dirname(d)) {
      dirs.add(d);
      if (path.dirname(d) === d) break;
    }
  return {
    exists: (p) => set.has(p) || dirs.has(p),
    isFile: (p) => set.has(p),
    readdir: (p) => [...new Set([...set, ...dirs].filter((x) => path.dirname(x) === p && x !== p).map((x) => path.basename(x)))],
  };
}

describe('findManifest', () => {
  it('finds the manifest in the start directory first, then in each parent', () => {
    const fsx = fakeFs(['/a/sleeve-manifest.json', '/a/b/sleeve-manifest.json', '/a/b/c/d/x.txt']);
    assert.deepEqual(findManifest('/a/b', fsx), { file: '/a/b/sleeve-manifest.json', searched: ['/a/b'], stop: 'found' });
    assert.deepEqual(findManifest('/a/b/c/d', fsx), { file: '/a/b/sleeve-manifest.json', searched: ['/a/b/c/d', '/a/b/c', '/a/b'], stop: 'found' });
  });
  it('stops after the directory that holds .git (a repository is a boundary), and at the root', () => {
    const fsx = fakeFs(['/a/sleeve-manifest.json', '/a/repo/.git/HEAD', '/a/repo/src/x.ts']);
    assert.deepEqual(findManifest('/a/repo/src', fsx), { file: undefined, searched: ['/a/repo/src', '/a/repo'], stop: 'git' });
    const inRepo = fakeFs(['/a/repo/.git', '/a/repo/sleeve-manifest.json', '/a/repo/src/x.ts']);
    assert.equal(findManifest('/a/repo/src', inRepo).file, '/a/repo/sleeve-manifest.json');
    assert.deepEqual(findManifest('/x/y', fakeFs(['/x/y/z'])), { file: undefined, searched: ['/x/y', '/x', '/'], stop: 'root' });
  });
  it('does not take a directory named sleeve-manifest.json', () => {
    const fsx = fakeFs(['/a/sleeve-manifest.json/inner', '/a/.git']);
    assert.equal(findManifest('/a', fsx).file, undefined);
  });
});

describe('suggestEntry', () => {
  const fsx = fakeFs(['/ws/sleeves/ma-long.ts', '/ws/sleeves/Mean-Reversion.mjs', '/ws/sleeves/notes.txt', '/ws/sleeves/lib/x.ts']);
  it('names the same file with another extension or case', () => {
    assert.equal(suggestEntry('sleeves/ma-long.js', '/ws', fsx), 'sleeves/ma-long.ts');
    assert.equal(suggestEntry('sleeves/ma-long', '/ws', fsx), 'sleeves/ma-long.ts');
    assert.equal(suggestEntry('sleeves/MA-LONG.ts', '/ws', fsx), 'sleeves/ma-long.ts');
    assert.equal(suggestEntry('sleeves/mean-reversion.ts', '/ws', fsx), 'sleeves/Mean-Reversion.mjs');
    assert.equal(suggestEntry('/ws/sleeves/ma-long.mjs', '/ws', fsx), '/ws/sleeves/ma-long.ts');
  });
  it('names a close spelling, and a misspelled directory', () => {
    assert.equal(suggestEntry('sleeves/ma-lnog.ts', '/ws', fsx), 'sleeves/ma-long.ts');
    assert.equal(suggestEntry('sleeve/ma-long.ts', '/ws', fsx), 'sleeves/ma-long.ts');
  });
  it('is silent when nothing fits (never a file that is not an entry)', () => {
    assert.equal(suggestEntry('sleeves/quantum.ts', '/ws', fsx), undefined);
    assert.equal(suggestEntry('sleeves/notes.ts', '/ws', fsx), undefined);
    assert.equal(suggestEntry('nowhere/x.ts', '/ws', fsx), undefined);
  });
});

describe('suggestManifestPath', () => {
  const fsx = fakeFs(['/repo/examples/mp/sleeve-manifest.json', '/repo/examples/mp/other.json']);
  it('finds a path written from a parent, or its last part here', () => {
    assert.equal(suggestManifestPath('examples/mp/other.json', '/repo/examples/mp', fsx), '/repo/examples/mp/other.json');
    assert.equal(suggestManifestPath('mp/other.json', '/repo/examples/mp/sub', fsx), '/repo/examples/mp/other.json');
    assert.equal(suggestManifestPath('other/sleeve-manifest.json', '/repo/examples/mp', fsx), '/repo/examples/mp/sleeve-manifest.json');
  });
  it('falls back to the manifest discovery finds, else nothing', () => {
    assert.equal(suggestManifestPath('nope.json', '/repo/examples/mp', fsx), '/repo/examples/mp/sleeve-manifest.json');
    assert.equal(suggestManifestPath('nope.json', '/elsewhere', fsx), undefined);
  });
});

describe('locateManifest', () => {
  const fsx = fakeFs(['/ws/sleeve-manifest.json', '/ws/sub/x', '/empty/.git']);
  it('takes --manifest as given; discovers only without --manifest and --sleeve', () => {
    assert.equal(locateManifest({ manifest: 'sleeve-manifest.json' }, '/ws', fsx), '/ws/sleeve-manifest.json');
    assert.equal(locateManifest({}, '/ws/sub', fsx), '/ws/sleeve-manifest.json');
    assert.equal(locateManifest({ sleeve: ['a=x.ts'] }, '/ws/sub', fsx), undefined);
  });
  it('answers a --manifest from the wrong directory with the path that works (exit 2)', () => {
    assert.throws(
      () => locateManifest({ manifest: 'ws/sleeve-manifest.json' }, '/ws/sub', fsx),
      (e: unknown) => e instanceof SleeveSandboxError && e.exitCode === EXIT.usage && /did you mean --manifest \.\.\/sleeve-manifest\.json\?/.test(e.message),
    );
  });
  it('says where it looked and how to start when there is no manifest', () => {
    assert.throws(
      () => locateManifest({}, '/empty', fsx),
      (e: unknown) =>
        e instanceof SleeveSandboxError &&
        e.exitCode === EXIT.usage &&
        e.message.includes(`no ${MANIFEST_FILE} in /empty or above`) &&
        e.message.includes('the top of this git repository') &&
        e.message.includes('sleeve-sandbox init'),
    );
  });
});

describe('planBatch with a discovered manifest', () => {
  const files = {
    'ws/.git/HEAD': 'ref: refs/heads/main\n',
    'ws/data/lakehouse/a.csv': 'x\n',
    'ws/sleeve-manifest.json': JSON.stringify({ version: 1, policy: 'strict', sleeves: [{ name: 'a', entry: 'sleeves/a.mjs', runId: 'a' }] }),
    'ws/sleeves/a.mjs': 'export default () => {};\n',
    'ws/deep/er/x.txt': 'x\n',
  };
  it('finds the manifest above the current directory and makes its directory the workspace', () => {
    const tmp = makeTempDir('sleeve-discover-');
    try {
      writeTree(tmp.dir, files);
      const plan = planBatch({ osLayer: 'off' }, path.join(tmp.dir, 'ws', 'deep', 'er'), 1, { env: {} });
      assert.equal(plan.workspace, path.join(tmp.dir, 'ws'));
      assert.equal(plan.sleeves[0]?.entry, path.join(tmp.dir, 'ws', 'sleeves', 'a.mjs'));
      assert.equal(plan.sleeves[0]?.runDir, path.join(tmp.dir, 'ws', 'runs', 'a'));
      // --manifest from elsewhere: the workspace is still the manifest's directory, unless --workspace says otherwise.
      const fromAbove = planBatch({ osLayer: 'off', manifest: 'ws/sleeve-manifest.json' }, tmp.dir, 1, { env: {} });
      assert.equal(fromAbove.workspace, path.join(tmp.dir, 'ws'));
      assert.throws(
        () => planBatch({ osLayer: 'off', manifest: 'ws/sleeve-manifest.json', workspace: '.' }, tmp.dir, 1, { env: {} }),
        /data\/lakehouse|entry sleeves\/a\.mjs not found/,
      );
      assert.equal(fs.existsSync(path.join(tmp.dir, 'ws', 'runs')), false, 'planning creates nothing');
    } finally {
      tmp.cleanup();
    }
  });
  it('suggests the entry and the policy the manifest meant', () => {
    const tmp = makeTempDir('sleeve-discover-');
    try {
      writeTree(tmp.dir, {
        ...files,
        'ws/sleeve-manifest.json': JSON.stringify({ version: 1, policy: 'strict', sleeves: [{ name: 'a', entry: 'sleeves/a.ts' }] }),
      });
      const ws = path.join(tmp.dir, 'ws');
      assert.throws(
        () => planBatch({ osLayer: 'off' }, ws, 1, { env: {} }),
        (e: unknown) =>
          e instanceof SleeveSandboxError &&
          e.exitCode === 2 &&
          e.message.includes('entry sleeves/a.ts not found') &&
          e.message.includes('did you mean "sleeves/a.mjs"?'),
      );
      fs.writeFileSync(
        path.join(ws, 'sleeve-manifest.json'),
        JSON.stringify({ version: 1, policy: 'strcit', sleeves: [{ name: 'a', entry: 'sleeves/a.mjs' }] }),
      );
      assert.throws(
        () => planBatch({ osLayer: 'off' }, ws, 1, { env: {} }),
        (e: unknown) =>
          e instanceof SleeveSandboxError && e.exitCode === 2 && e.message.includes('no policy named "strcit"') && e.message.includes('did you mean "strict"?'),
      );
      assert.throws(() => planBatch({ osLayer: 'off', policy: 'ingets' }, ws, 1, { env: {} }), /no policy named "ingets".*did you mean "ingest"\?/);
    } finally {
      tmp.cleanup();
    }
  });
});
