/**
 * `sleeve-sandbox policy fmt`, run in this process through `main(argv, io)`:
 * the shipped policies and their tests are canonical (`--check` over them), --check writes nothing and
 * exits 1 with a hint, a rewrite is atomic (a new file renamed over the old)
 * and touches only files that change, files that do not load are left as they
 * are with exit 2, and the default file set is <workspace>/policies/*.json.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { withTempDir, writeTree } from '../../../helpers/tmp.js';
import { repoRoot, runMain, show } from '../../../helpers/cli.js';

function withWorkspace(files: Record<string, string>, fn: (ws: string) => Promise<void>): Promise<void> {
  return withTempDir('sleeve-policy-fmt-cli-', (ws) => {
    writeTree(ws, files);
    return fn(ws);
  });
}

const messy =
  '{ "name": "mine", "version": 1, "extends": "strict",\n  "fs": { "read": { "deny": ["data/z", "data/a", "data/z"], "allow": ["data/**"] } },\n  "env": { "set": { "B": "2", "A": "1" } } }\n';
const canonical = `${JSON.stringify(
  { version: 1, name: 'mine', extends: 'strict', fs: { read: { allow: ['data/**'], deny: ['data/a', 'data/z'] } }, env: { set: { A: '1', B: '2' } } },
  null,
  2,
)}\n`;
const messyTests = '{"cases":[{"expect":"deny","path":"data/z","op":"read"},{"expect":"allow","op":"read","path":"data/x"}],"version":1}';

/** Every policy or policy test file the repository ships or keeps as an example. */
function shippedPolicyFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name === '.git' || e.name === 'schema') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (path.basename(dir) === 'policies' && e.name.endsWith('.json') && !e.name.endsWith('.schema.json')) out.push(p);
    }
  };
  for (const top of ['policies', 'tests', 'examples']) walk(path.join(repoRoot, top));
  return out.sort();
}

describe('policy fmt', () => {
  it('the shipped policies, their tests, the compat and example policies are canonical (--check exit 0)', async () => {
    const files = shippedPolicyFiles();
    for (const want of [
      'policies/strict.json',
      'policies/ingest.json',
      'policies/strict.test.json',
      'policies/ingest.test.json',
      'tests/compat/workspace/policies/addons.json',
    ]) {
      assert.ok(files.includes(path.join(repoRoot, want)), `${want} in ${JSON.stringify(files)}`);
    }
    const run = await runMain(['policy', 'fmt', '--check', ...files], repoRoot);
    assert.equal(run.code, 0, show(run));
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`policy fmt --check: ${files.length} file\\(s\\): 0 not canonical, ${files.length} already canonical`));
  });

  it('--check: exit 1 naming each file with a hint at the first difference; nothing is written', async () => {
    await withWorkspace({ 'policies/mine.json': messy, 'policies/ok.json': canonical.replace('"mine"', '"ok"') }, async (ws) => {
      const file = path.join(ws, 'policies', 'mine.json');
      const before = fs.statSync(file);
      const run = await runMain(['policy', 'fmt', '--check'], ws);
      assert.equal(run.code, 1, show(run));
      assert.match(run.stdout, /^policies\/mine\.json: not in canonical form; run "sleeve-sandbox policy fmt policies\/mine\.json"$/m);
      assert.match(
        run.stdout,
        /^--- policies\/mine\.json\n\+\+\+ policies\/mine\.json \(canonical\)\n@@ line 1 @@\n-\{ "name": "mine", "version": 1, "extends": "strict",$/m,
      );
      assert.ok(!run.stdout.includes('ok.json'), show(run));
      assert.match(run.stderr, /policy fmt --check: 2 file\(s\): 1 not canonical, 1 already canonical/);
      assert.equal(fs.readFileSync(file, 'utf8'), messy);
      const after = fs.statSync(file);
      assert.equal(after.ino, before.ino);
      assert.equal(after.mtimeMs, before.mtimeMs);
    });
  });

  it('rewrites atomically only the files that change (policies and test files), keeping the mode; then --check passes', async () => {
    await withWorkspace(
      {
        'policies/mine.json': messy,
        'policies/mine.test.json': messyTests,
        'policies/ok.json': canonical.replace('"mine"', '"ok"'),
        'policies/schema/x.json': '{ }',
      },
      async (ws) => {
        const dir = path.join(ws, 'policies');
        fs.chmodSync(path.join(dir, 'mine.json'), 0o640);
        const ino = (name: string) => fs.statSync(path.join(dir, name)).ino;
        const before = { mine: ino('mine.json'), ok: ino('ok.json'), okMtime: fs.statSync(path.join(dir, 'ok.json')).mtimeMs };
        const run = await runMain(['policy', 'fmt'], ws);
        assert.equal(run.code, 0, show(run));
        assert.equal(run.stdout, 'formatted policies/mine.json\nformatted policies/mine.test.json\n');
        assert.match(run.stderr, /policy fmt: 3 file\(s\): 2 formatted, 1 already canonical/);
        assert.equal(fs.readFileSync(path.join(dir, 'mine.json'), 'utf8'), canonical);
        const tests = JSON.parse(fs.readFileSync(path.join(dir, 'mine.test.json'), 'utf8')) as { cases: Array<Record<string, string>> };
        assert.deepEqual(Object.keys(tests), ['version', 'cases']);
        assert.deepEqual(
          tests.cases.map((c) => Object.keys(c).join(',')),
          ['op,path,expect', 'op,path,expect'],
        );
        assert.deepEqual(
          tests.cases.map((c) => c['path']),
          ['data/z', 'data/x'],
          'cases keep their order',
        );
        // A new file renamed over the old one (another inode), with the old mode; the canonical file untouched.
        assert.notEqual(ino('mine.json'), before.mine);
        assert.equal(fs.statSync(path.join(dir, 'mine.json')).mode & 0o777, 0o640);
        assert.equal(ino('ok.json'), before.ok);
        assert.equal(fs.statSync(path.join(dir, 'ok.json')).mtimeMs, before.okMtime);
        assert.deepEqual(fs.readdirSync(dir).sort(), ['mine.json', 'mine.test.json', 'ok.json', 'schema'], 'no temp file left');
        const check = await runMain(['policy', 'fmt', '--check'], ws);
        assert.equal(check.code, 0, show(check));
        const again = await runMain(['policy', 'fmt', '--json'], ws);
        assert.equal(again.code, 0, show(again));
        const out = JSON.parse(again.stdout) as { files: Array<{ file: string; status: string }> };
        assert.deepEqual(
          out.files.map((f) => f.status),
          ['unchanged', 'unchanged', 'unchanged'],
        );
      },
    );
  });

  it('a symlinked policy: its target is rewritten, the link stays', async () => {
    await withWorkspace({ 'shared/mine.json': messy }, async (ws) => {
      fs.mkdirSync(path.join(ws, 'policies'));
      fs.symlinkSync('../shared/mine.json', path.join(ws, 'policies', 'mine.json'));
      const run = await runMain(['policy', 'fmt', 'policies/mine.json'], ws);
      assert.equal(run.code, 0, show(run));
      assert.ok(fs.lstatSync(path.join(ws, 'policies', 'mine.json')).isSymbolicLink());
      assert.equal(fs.readFileSync(path.join(ws, 'shared', 'mine.json'), 'utf8'), canonical);
    });
  });

  it('files that do not load are left as they are: exit 2 with each place, the others still formatted', async () => {
    const broken = '{\n  "version": 1,\n  "name": "broken",\n  "fs": { "read": { "allow": ["../x"] } }\n}\n';
    const twice = '{\n  "version": 1,\n  "name": "a",\n  "name": "b"\n}\n';
    const comment = '{\n  // why\n  "version": 1\n}\n';
    await withWorkspace(
      { 'policies/broken.json': broken, 'policies/twice.json': twice, 'policies/comment.json': comment, 'policies/mine.json': messy },
      async (ws) => {
        const run = await runMain(['policy', 'fmt'], ws);
        assert.equal(run.code, 2, show(run));
        assert.match(run.stdout, /^policies\/broken\.json:4:31: error: fs\.read\.allow\[0\]: expected no "\.\." segments/m);
        assert.match(run.stdout, /^policies\/twice\.json:4:3: error: name: key "name" given twice in one object: the formatter will not choose/m);
        assert.match(run.stdout, /^policies\/comment\.json:2:3: error: invalid JSON: comments are not allowed in JSON$/m);
        assert.match(run.stdout, /^formatted policies\/mine\.json$/m);
        assert.match(run.stderr, /3 not loaded \(left as they are\)/);
        assert.equal(fs.readFileSync(path.join(ws, 'policies', 'broken.json'), 'utf8'), broken);
        assert.equal(fs.readFileSync(path.join(ws, 'policies', 'twice.json'), 'utf8'), twice);
        assert.equal(fs.readFileSync(path.join(ws, 'policies', 'comment.json'), 'utf8'), comment);
        const check = await runMain(['policy', 'fmt', '--check', 'policies/broken.json', '--json'], ws);
        assert.equal(check.code, 2, show(check));
        assert.equal((JSON.parse(check.stdout) as { files: Array<{ status: string }> }).files[0]?.status, 'error');
      },
    );
  });

  it('exit 2 with the fix when there is nothing to format or a file is missing', async () => {
    await withWorkspace({}, async (ws) => {
      const none = await runMain(['policy', 'fmt'], ws);
      assert.equal(none.code, 2, show(none));
      assert.match(none.stderr, /no policy files: none given and no \*\.json in .*policies; pass the files to format/);
      const missing = await runMain(['policy', 'fmt', 'nope.json'], ws);
      assert.equal(missing.code, 2, show(missing));
      assert.match(missing.stdout, /^nope\.json:1:1: error: cannot read the file \(ENOENT\)/m);
    });
  });
});
