import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../../policies/errors.js';
import { resolveCommand } from '../../../runner/batch/command.js';
import { makeTempDir, writeTree } from '../../helpers/tmp.js';

const tmp = makeTempDir('sleeve-cmd-');
after(tmp.cleanup);
const ws = tmp.dir;
writeTree(ws, { 'sleeves/py/run.py': 'print(1)\n', 'main.py': 'print(1)\n', 'runs/.keep': '', 'sleeves/tool.sh': '#!/bin/sh\n', 'secrets/x.py': '' });
fs.chmodSync(path.join(ws, 'sleeves/tool.sh'), 0o755);
const facts = (over: Partial<Parameters<typeof resolveCommand>[1]> = {}) => ({
  workspace: ws,
  runsDir: path.join(ws, 'runs'),
  pathVar: '/usr/local/bin:/usr/bin:/bin',
  where: 'm.json:4:5 (sleeves[1])',
  isReadDenied: () => false,
  ...over,
});

describe('a command step', () => {
  it('finds the program on the sleeve PATH and the code directory from the script argument', () => {
    const r = resolveCommand(['sh', 'sleeves/py/run.py', '--window', '20'], facts());
    assert.match(r.program, /^\/usr(?:\/local)?\/bin\/sh$|^\/bin\/sh$/);
    assert.deepEqual(r.args, ['sleeves/py/run.py', '--window', '20']);
    assert.equal(r.codeDir, path.join(ws, 'sleeves/py'));
  });
  it('takes a program in the workspace as its own code', () => {
    const r = resolveCommand(['sleeves/tool.sh', 'x'], facts());
    assert.equal(r.program, path.join(ws, 'sleeves/tool.sh'));
    assert.equal(r.codeDir, path.join(ws, 'sleeves'));
  });
  it('skips PATH directories the sandbox cannot see, and says so when nothing is left', () => {
    const fake = makeTempDir('sleeve-fakebin-');
    after(fake.cleanup);
    fs.writeFileSync(path.join(fake.dir, 'only-here'), '#!/bin/sh\n', { mode: 0o755 });
    assert.throws(
      () => resolveCommand(['only-here'], facts({ pathVar: `${fake.dir}:/usr/bin` })),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message.includes("command only-here was not found on the sleeve's PATH inside the sandbox") &&
        e.message.includes('(outside the sandbox)'),
    );
  });
  it('refuses a bare name without PATH, a script in the workspace root or in a tree holding runs/, and a denied script', () => {
    assert.throws(() => resolveCommand(['sh'], facts({ pathVar: undefined })), /is a bare name but the sleeve has no PATH/);
    assert.throws(
      () => resolveCommand(['sh', 'main.py'], facts()),
      /main\.py lies in the workspace root; the OS layer binds a command's code directory read-only/,
    );
    assert.throws(() => resolveCommand(['sh', 'runs/.keep'], facts({ runsDir: path.join(ws, 'runs') })), /lies in a directory that holds the run dirs/);
    assert.throws(() => resolveCommand(['sh', 'secrets/x.py'], facts({ isReadDenied: (f) => f.includes('/secrets/') })), /is named by a read-deny rule/);
  });
  it('refuses a program path that is missing or outside what the sandbox sees', () => {
    assert.throws(() => resolveCommand(['sleeves/missing.sh'], facts()), /is not an executable file/);
    const outside = makeTempDir('sleeve-outside-bin-');
    after(outside.cleanup);
    fs.writeFileSync(path.join(outside.dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    assert.throws(() => resolveCommand([path.join(outside.dir, 'tool')], facts()), /would not exist inside the sandbox: use a program in \/usr/);
  });
});
