import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diffResultSchema } from '../../../../policies/diff.js';
import { makeWorkspace, writeTree } from '../../../helpers/tmp.js';
import { runMain, show } from '../../../helpers/cli.js';

const policy = (name: string, body: Record<string, unknown>) => `${JSON.stringify({ version: 1, name, ...body }, null, 2)}\n`;

describe('sleeve-sandbox policy diff (CLI)', () => {
  let ws: { dir: string; cleanup: () => void };
  before(() => {
    ws = makeWorkspace();
    writeTree(ws.dir, {
      'data/secrets/token.txt': 's3cr3t\n',
      'narrow.json': policy('narrow', { extends: 'strict', fs: { read: { deny: ['data/lakehouse/AAPL.csv'] } } }),
      'wide.json': policy('wide', { extends: 'strict', fs: { read: { allow: ['data/**'] } } }),
      'extglob.json': policy('extglob', { fs: { read: { allow: ['data/@(a|b)/**'] } } }),
      'bad.json': '{ "version": 1, ',
    });
  });
  after(() => ws.cleanup());

  it('strict vs ingest: widens, names the secrets that exist, exit 0 without --fail-on', async () => {
    const run = await runMain(['policy', 'diff', 'strict', 'ingest'], ws.dir);
    assert.equal(run.code, 0, show(run));
    assert.match(run.stdout, /policy diff strict -> ingest: widens/);
    assert.match(run.stdout, /fs\.read widened by allow "data\/\*\*" \(.*ingest\.json:\d+:\d+\)/);
    assert.match(run.stdout, /existing: .*data\/secrets\/token\.txt/);
  });

  it('--fail-on widen: exit 3 on a widening, 0 on a pure narrowing and on same', async () => {
    const wide = await runMain(['policy', 'diff', 'strict', './wide.json', '--fail-on', 'widen'], ws.dir);
    assert.equal(wide.code, 3, show(wide));
    const narrow = await runMain(['policy', 'diff', 'strict', './narrow.json', '--fail-on', 'widen'], ws.dir);
    assert.equal(narrow.code, 0, show(narrow));
    assert.match(narrow.stdout, /: narrows/);
    assert.match(narrow.stdout, /existing: data\/lakehouse\/AAPL\.csv/);
    const same = await runMain(['policy', 'diff', 'strict', 'strict', '--fail-on', 'widen'], ws.dir);
    assert.equal(same.code, 0, show(same));
    assert.match(same.stdout, /: same/);
  });

  it('--json (and --format json) prints the typed result', async () => {
    for (const flags of [['--json'], ['--format', 'json']]) {
      const run = await runMain(['policy', 'diff', 'strict', './wide.json', ...flags], ws.dir);
      assert.equal(run.code, 0, show(run));
      const result = diffResultSchema.parse(JSON.parse(run.stdout));
      assert.equal(result.verdict, 'widens');
      assert.deepEqual(
        result.entries.map((e) => e.field),
        ['fs.read'],
      );
    }
  });

  it('--format markdown: a heading with the verdict, a table of what widened, then what narrowed', async () => {
    writeTree(ws.dir, { 'both.json': policy('both', { fs: { read: { allow: ['data/**', '{runDir}/**'] }, write: { allow: [] } } }) });
    const run = await runMain(['policy', 'diff', 'strict', './both.json', '--format', 'markdown', '--examples', '2'], ws.dir);
    assert.equal(run.code, 0, show(run));
    const lines = run.stdout.split('\n');
    assert.match(lines[0] ?? '', /^## policy diff: strict -> \.\/both\.json: \*\*mixed\*\*$/);
    const widened = lines.indexOf('### Widened');
    const narrowed = lines.indexOf('### Narrowed');
    assert.ok(widened > 0 && narrowed > widened, run.stdout);
    assert.equal(lines[widened + 2], '| Field | What | Examples |');
    assert.match(run.stdout, /\| `fs\.read` \| fs\.read widened by allow "data\/\*\*".*\| `data`, `data\/x`, .*`data\/secrets\/token\.txt` \(exists\)/);
    assert.match(lines.slice(narrowed).join('\n'), /\| `fs\.write` \| fs\.write narrowed/);
  });

  it('bad input exits 2 naming the place and the fix', async () => {
    const unsupported = await runMain(['policy', 'diff', 'strict', './extglob.json'], ws.dir);
    assert.equal(unsupported.code, 2, show(unsupported));
    assert.match(
      unsupported.stderr,
      /extglob\.json:\d+:\d+: error: fs\.read\.allow\[0\]: policy diff cannot compare the pattern "data\/@\(a\|b\)\/\*\*" exactly/,
    );
    assert.match(unsupported.stderr, /\{a,b\} alternation/);
    const unknown = await runMain(['policy', 'diff', 'strict', 'nosuch'], ws.dir);
    assert.equal(unknown.code, 2, show(unknown));
    assert.match(unknown.stderr, /no policy named "nosuch"/);
    const json = await runMain(['policy', 'diff', 'strict', './bad.json'], ws.dir);
    assert.equal(json.code, 2, show(json));
    const one = await runMain(['policy', 'diff', 'strict'], ws.dir);
    assert.equal(one.code, 2, show(one));
    assert.match(one.stderr, /takes two policies/);
  });

  it('--base: diffs against a git revision (the whole extends chain at that revision), a file new since is diffed against nothing', async () => {
    const repo = makeWorkspace();
    try {
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: repo.dir,
          encoding: 'utf8',
          env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
        });
      git('init', '-q');
      writeTree(repo.dir, {
        'policies/base.json': policy('base', { fs: { read: { allow: ['data/lakehouse/**'] } } }),
        'policies/team.json': policy('team', { extends: 'base', fs: { read: { allow: ['{runDir}/**'] }, write: { allow: ['{runDir}/**'] } } }),
      });
      git('add', '-A');
      git('commit', '-qm', 'one');
      // The change: only the BASE policy widens; team.json is textually unchanged.
      writeTree(repo.dir, {
        'policies/base.json': policy('base', { fs: { read: { allow: ['data/**'] } } }),
        'policies/extra.json': policy('extra', { net: true }),
      });
      git('add', '-A');
      git('commit', '-qm', 'two');
      fs.mkdirSync(path.join(repo.dir, 'sub'));
      const run = await runMain(
        ['policy', 'diff', '--base', 'HEAD~1', '../policies/team.json', '../policies/extra.json', '--fail-on', 'widen', '-w', '..'],
        path.join(repo.dir, 'sub'),
      );
      assert.equal(run.code, 3, show(run));
      assert.match(run.stdout, /team\.json \(HEAD~1 -> working tree\): widens/);
      assert.match(run.stdout, /fs\.read widened by allow "data\/\*\*" \(.*policies\/base\.json:\d+:\d+\)/);
      assert.match(run.stdout, /existing: data\n/);
      assert.match(run.stdout, /extra\.json \(HEAD~1: new file -> working tree\): widens/);
      assert.match(run.stdout, /widen {2}net: false -> true/);
      const json = await runMain(['policy', 'diff', '--base', 'HEAD', 'policies/team.json', '--json'], repo.dir);
      assert.equal(json.code, 0, show(json));
      assert.equal(JSON.parse(json.stdout).diffs[0].verdict, 'same');
      const badRev = await runMain(['policy', 'diff', '--base', 'nosuchrev', 'policies/team.json'], repo.dir);
      assert.equal(badRev.code, 2, show(badRev));
      assert.match(badRev.stderr, /unknown revision "nosuchrev"/);
      const noRepo = await runMain(['policy', 'diff', '--base', 'HEAD', 'narrow.json'], ws.dir);
      assert.equal(noRepo.code, 2, show(noRepo));
      assert.match(noRepo.stderr, /not inside a git repository/);
    } finally {
      repo.cleanup();
    }
  });
});
