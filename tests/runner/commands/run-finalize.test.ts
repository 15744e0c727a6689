/**
 * The combine step (`finalize`) through the real bin: it runs once after
 * every sleeve succeeded, under its own policy, reads the run dirs of this
 * batch's sleeves (SLEEVE_BATCH_RUNS, `{batchRunDirs}`) and writes its own.
 * The attacks: reading an earlier batch's run dir (the guard refuses it; in
 * the OS layer it is not even there for a Python step), writing into a
 * sleeve's run dir, following a link a sleeve planted; a sleeve whose policy
 * names `{batchRunDirs}` is refused before anything runs; a failed sleeve
 * skips the combine step.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { childEnv, repoRoot, runBin, runMain, show } from '../../helpers/cli.js';
import { needsOsLayer } from '../../helpers/os-layer.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { type BatchOutcome, readOutcome } from '../audit/harness.js';

/** Writes its name, and a file private to its uid (0600, as Python's tempfile makes). */
const SLEEVE = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
if (process.argv.includes('fail')) process.exit(3);
fs.writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ name: process.env.SLEEVE_NAME }));
fs.writeFileSync(path.join(dir, 'private.json'), JSON.stringify({ secret: process.env.SLEEVE_NAME + '-private' }), { mode: 0o600 });
`;

/** Combines what the batch wrote; each argument is an attempt: read:<path> or write:<path>. */
const FINALIZE = `import fs from 'node:fs';
import path from 'node:path';
const runs = JSON.parse(process.env.SLEEVE_BATCH_RUNS);
const combined = runs.map((r) => ({
  ...r,
  out: fs.existsSync(path.join(r.runDir, 'out.json')) ? JSON.parse(fs.readFileSync(path.join(r.runDir, 'out.json'), 'utf8')) : null,
  private: JSON.parse(fs.readFileSync(path.join(r.runDir, 'private.json'), 'utf8')),
}));
const tries = {};
for (const t of process.argv.slice(2)) {
  const [op, p] = [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)];
  try {
    if (op === 'read') tries[t] = 'read: ' + fs.readFileSync(p, 'utf8');
    else { fs.writeFileSync(p, 'combine was here'); tries[t] = 'written'; }
  } catch (e) { tries[t] = e.code; }
}
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'combined.json'), JSON.stringify({ combined, tries }));
`;

/** A Python sleeve (the kernel is its only boundary) that leaves a link to secrets/ in its run dir. */
const PLANT_PY = `import json, os
d = os.environ["SLEEVE_RUN_DIR"]
with open(os.path.join(d, "private.json"), "w", encoding="utf-8") as f:
    json.dump({"secret": os.environ["SLEEVE_NAME"] + "-private"}, f)
os.chmod(os.path.join(d, "private.json"), 0o600)
os.symlink(os.path.join(os.environ["SLEEVE_WORKSPACE"], "secrets"), os.path.join(d, "link"))
`;

/** The same in Python, under the OS layer only (a command step). */
const FINALIZE_PY = `import json, os, sys
runs = json.loads(os.environ["SLEEVE_BATCH_RUNS"])
combined = []
for r in runs:
    with open(os.path.join(r["runDir"], "private.json"), encoding="utf-8") as f:
        combined.append({"name": r["name"], "private": json.load(f)})
tries = {}
for t in sys.argv[1:]:
    op, p = t.split(":", 1)
    try:
        if op == "read":
            with open(p, encoding="utf-8") as f:
                tries[t] = "read: " + f.read()
        else:
            with open(p, "w", encoding="utf-8") as f:
                f.write("combine was here")
            tries[t] = "written"
    except OSError as e:
        tries[t] = type(e).__name__
with open(os.path.join(os.environ["SLEEVE_RUN_DIR"], "combined.json"), "w", encoding="utf-8") as f:
    json.dump({"combined": combined, "tries": tries}, f)
`;

const COMBINE_POLICY = { version: 1, name: 'combine', extends: 'strict', fs: { read: { allow: ['{batchRunDirs}/**'] } } };

interface Combined {
  combined: Array<{ name: string; runId: string; runDir: string; out?: { name: string } | null; private: { secret: string } }>;
  tries: Record<string, string>;
}

describe('the combine step (finalize) through the CLI', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups) c();
  });
  const ws = makeWorkspace();
  cleanups.push(ws.cleanup);
  writeTree(ws.dir, {
    'sleeves/s.mjs': SLEEVE,
    'sleeves/fin.mjs': FINALIZE,
    'sleeves/fin.py': FINALIZE_PY,
    'policies/combine.json': JSON.stringify(COMBINE_POLICY),
  });
  const manifest = (file: string, m: Record<string, unknown>) => {
    fs.writeFileSync(path.join(ws.dir, file), JSON.stringify({ version: 1, policy: 'strict', ...m }));
    return file;
  };
  const sleeves = [
    { name: 'a', entry: 'sleeves/s.mjs' },
    { name: 'b', entry: 'sleeves/s.mjs' },
  ];
  const combinedOf = (o: BatchOutcome, name = 'combine'): Combined =>
    JSON.parse(fs.readFileSync(path.join(o.runDirs.get(name) as string, 'combined.json'), 'utf8')) as Combined;

  let first: BatchOutcome;
  it("runs once after the sleeves and reads exactly this batch's run dirs, private files included", async () => {
    const file = manifest('m1.json', { sleeves, finalize: { name: 'combine', entry: 'sleeves/fin.mjs', policy: 'combine' } });
    const run = await runBin(['run', '--manifest', file, '--cpus', '2', '--json'], ws.dir, childEnv());
    assert.equal(run.code, 0, show(run));
    first = readOutcome(ws.dir, run);
    assert.equal(first.report.verdict, 'clean', show(run));
    assert.deepEqual(
      first.report.sleeves.map((s) => [s.name, s.kind, s.status]),
      [
        ['a', 'sleeve', 'ok'],
        ['b', 'sleeve', 'ok'],
        ['combine', 'finalize', 'ok'],
      ],
    );
    const c = combinedOf(first);
    assert.deepEqual(
      c.combined.map((r) => [r.name, r.runDir, r.out?.name, r.private.secret]),
      [
        ['a', first.runDirs.get('a'), 'a', 'a-private'],
        ['b', first.runDirs.get('b'), 'b', 'b-private'],
      ],
    );
    const combineStarted = Date.parse(first.report.sleeves[2]?.startedAt as string);
    for (const s of first.report.sleeves.slice(0, 2))
      assert.ok(Date.parse(s.startedAt as string) + s.durationMs <= combineStarted + 1, 'after every sleeve ended');
  });

  it("refuses an earlier batch's run dir and writes into the batch's sleeves' dirs", async () => {
    const earlier = path.join(first.runDirs.get('b') as string, 'out.json');
    const earlierPrivate = path.join(first.runDirs.get('a') as string, 'private.json');
    // Fixed run ids, so the combine step can be pointed into this batch's sleeve dirs.
    const aDir = path.join(ws.dir, 'runs', 'a_second');
    const attempts = [`read:${earlier}`, `read:${earlierPrivate}`, `write:${path.join(aDir, 'out.json')}`, `write:${path.join(aDir, 'new.txt')}`];
    const file = manifest('m2.json', {
      sleeves: sleeves.map((s) => ({ ...s, runId: `${s.name}_second` })),
      finalize: { name: 'combine', entry: 'sleeves/fin.mjs', policy: 'combine', args: attempts },
    });
    const run = await runBin(['run', '--manifest', file, '--cpus', '2', '--json'], ws.dir, childEnv());
    const o = readOutcome(ws.dir, run);
    const c = combinedOf(o);
    for (const t of attempts) assert.match(c.tries[t] ?? '', /^(EACCES|EPERM|ENOENT|EROFS)$/, `${t}: ${JSON.stringify(c.tries)}`);
    assert.equal(c.tries[`read:${earlier}`], 'EACCES', 'the guard refuses it by policy');
    assert.equal(fs.readFileSync(path.join(aDir, 'out.json'), 'utf8'), '{"name":"a"}');
    assert.equal(fs.existsSync(path.join(aDir, 'new.txt')), false);
    const fin = o.report.sleeves.find((s) => s.name === 'combine');
    const denied = fin?.denials.map((d) => `${d.op} ${d.path}`) ?? [];
    assert.ok(
      denied.some((d) => d.startsWith('read ') && d.endsWith(path.relative(ws.dir, earlier))),
      JSON.stringify(fin?.denials),
    );
    assert.ok(
      denied.some((d) => d.startsWith('write ') && d.endsWith('runs/a_second/new.txt')),
      JSON.stringify(fin?.denials),
    );
    assert.equal(o.report.verdict, 'violations', show(run));
    assert.equal(run.code, 3);
    assert.deepEqual(o.report.violations, []);
  });

  it('skips the combine step when a sleeve failed, and says why', async () => {
    const file = manifest('m4.json', {
      sleeves: [sleeves[0], { name: 'b', entry: 'sleeves/s.mjs', args: ['fail'] }],
      finalize: { name: 'combine', entry: 'sleeves/fin.mjs', policy: 'combine' },
    });
    const run = await runBin(['run', '--manifest', file, '--cpus', '2', '--json'], ws.dir, childEnv());
    assert.equal(run.code, 1, show(run));
    const o = readOutcome(ws.dir, run);
    const fin = o.report.sleeves.find((s) => s.name === 'combine');
    assert.equal(fin?.status, 'skipped');
    assert.match(fin?.error ?? '', /the combine step runs only when every sleeve succeeded: b \(failed\) did not/);
    assert.equal(fs.readdirSync(o.runDirs.get('combine') as string).includes('combined.json'), false);
  });

  it('refuses, before anything runs, a sleeve whose policy names {batchRunDirs}', async () => {
    const file = manifest('m5.json', { sleeves: [{ name: 'x', entry: 'sleeves/s.mjs', policy: 'combine' }] });
    const before = fs.readdirSync(path.join(ws.dir, 'runs')).sort();
    const run = await runMain(['run', '--manifest', file], ws.dir);
    assert.equal(run.code, 2, show(run));
    assert.match(
      run.stderr,
      /policy combine names \{batchRunDirs\} \(fs\.read\.allow "\{batchRunDirs\}\/\*\*" at .*combine\.json:\d+:\d+\), which only the combine step has/,
    );
    assert.deepEqual(fs.readdirSync(path.join(ws.dir, 'runs')).sort(), before);
  });

  it("the example's combine policy passes its own tests", async () => {
    const run = await runMain(['policy', 'test', '--workspace', '.', 'policies/combine.test.json'], path.join(repoRoot, 'examples', 'meta-portfolio'));
    assert.equal(run.code, 0, show(run));
    assert.match(run.stderr, /8\/8 case\(s\) passed/);
  });
});

describe('a Python combine step in the OS layer', { skip: needsOsLayer }, () => {
  const ws = makeWorkspace();
  after(ws.cleanup);
  writeTree(ws.dir, {
    'sleeves/s.mjs': SLEEVE,
    'sleeves/plant.py': PLANT_PY,
    'sleeves/fin.py': FINALIZE_PY,
    'sleeves/fin.mjs': FINALIZE,
    'policies/combine.json': JSON.stringify(COMBINE_POLICY),
  });
  const write = (file: string, m: Record<string, unknown>) => fs.writeFileSync(path.join(ws.dir, file), JSON.stringify({ version: 1, policy: 'strict', ...m }));
  const sleeves = [
    { name: 'a', entry: 'sleeves/s.mjs' },
    { name: 'b', entry: 'sleeves/s.mjs' },
  ];

  it("reads this batch's private files; an earlier batch's run dir is not there; a sleeve's run dir is read-only", async () => {
    write('m1.json', { sleeves, finalize: { name: 'combine', command: ['python3', 'sleeves/fin.py'], policy: 'combine' } });
    const one = await runBin(['run', '--manifest', 'm1.json', '--cpus', '2', '--json'], ws.dir, childEnv());
    assert.equal(one.code, 0, show(one));
    const first = readOutcome(ws.dir, one);
    const earlier = path.join(first.runDirs.get('a') as string, 'private.json');
    // The second batch's run ids are fixed, so the combine step can be pointed at its sleeve's dir.
    const ids = { a: 'a_second', b: 'b_second' };
    const intoA = path.join(ws.dir, 'runs', ids.a, 'out.json');
    write('m2.json', {
      sleeves: sleeves.map((s) => ({ ...s, runId: ids[s.name as 'a' | 'b'] })),
      finalize: { name: 'combine', command: ['python3', 'sleeves/fin.py', `read:${earlier}`, `write:${intoA}`, `read:${intoA}`], policy: 'combine' },
    });
    const two = await runBin(['run', '--manifest', 'm2.json', '--cpus', '2', '--json'], ws.dir, childEnv());
    assert.equal(two.code, 0, show(two));
    const o = readOutcome(ws.dir, two);
    const c = JSON.parse(fs.readFileSync(path.join(o.runDirs.get('combine') as string, 'combined.json'), 'utf8')) as Combined;
    assert.deepEqual(
      c.combined.map((r) => [r.name, r.private.secret]),
      [
        ['a', 'a-private'],
        ['b', 'b-private'],
      ],
    );
    assert.equal(c.tries[`read:${earlier}`], 'FileNotFoundError', 'not mounted: the kernel has no earlier batch');
    assert.match(c.tries[`write:${intoA}`] ?? '', /^(PermissionError|OSError)$/, JSON.stringify(c.tries));
    assert.equal(c.tries[`read:${intoA}`], 'read: {"name":"a"}', 'the file is unchanged');
    assert.equal(o.report.verdict, 'clean', show(two));
    // Only read bits were added, and only where the policy reads.
    const mode = fs.statSync(path.join(ws.dir, 'runs', ids.a, 'private.json')).mode & 0o777;
    assert.equal(mode, 0o604);
  });

  it('a link a sleeve left in its run dir leads nowhere: not in the Python step, denied to the Node one', async () => {
    const through = (id: string) => path.join(ws.dir, 'runs', id, 'link', 'token.txt');
    for (const [fin, id, expected] of [
      [['python3', 'sleeves/fin.py'], 'p_py', /^(FileNotFoundError|PermissionError)$/],
      [undefined, 'p_node', /^(EACCES|ENOENT)$/],
    ] as const) {
      write('m3.json', {
        sleeves: [{ name: 'p', command: ['python3', 'sleeves/plant.py'], runId: id }],
        finalize: fin
          ? { name: 'combine', command: [...fin, `read:${through(id)}`], policy: 'combine' }
          : { name: 'combine', entry: 'sleeves/fin.mjs', args: [`read:${through(id)}`], policy: 'combine' },
      });
      const run = await runBin(['run', '--manifest', 'm3.json', '--json'], ws.dir, childEnv());
      const o = readOutcome(ws.dir, run);
      assert.equal(fs.lstatSync(path.join(ws.dir, 'runs', id, 'link')).isSymbolicLink(), true, 'the sleeve planted its link');
      const fileOf = path.join(o.runDirs.get('combine') as string, 'combined.json');
      assert.ok(fs.existsSync(fileOf), show(run));
      const c = JSON.parse(fs.readFileSync(fileOf, 'utf8')) as Combined;
      assert.match(c.tries[`read:${through(id)}`] ?? '', expected, JSON.stringify(c.tries));
      assert.ok(!JSON.stringify(c).includes('s3cr3t'));
    }
  });
});
