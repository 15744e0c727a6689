/**
 * The write records (protocol.ts WRITES_FD) through the real bin: every
 * allowed write is on record, written ahead of the operation, so a sleeve
 * killed right after a write still has it counted; the sleeve can neither
 * close the records descriptor, nor write to it, nor reach it by a path
 * (the runner unlinked the file); and a forged record is never taken on
 * trust (the records are read as fd 3 is: a fault ends the run as failed).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runBin, show } from '../../helpers/cli.js';
import { makeWorkspace, writeTree } from '../../helpers/tmp.js';
import { readOutcome } from '../audit/harness.js';

const WRITER = `import fs from 'node:fs';
import path from 'node:path';
const dir = process.env.SLEEVE_RUN_DIR;
const tries = {};
const attempt = (name, fn) => { try { fn(); tries[name] = 'done'; } catch (e) { tries[name] = e.code ?? e.message; } };
for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'f' + i), String(i));
attempt('closeSync', () => fs.closeSync(5));
await new Promise((resolve) => fs.close(5, (e) => { tries.close = e ? e.code : 'done'; resolve(); }));
attempt('writeSync', () => fs.writeSync(5, JSON.stringify({ t: 'writes', paths: ['/etc/passwd'] }) + '\\n'));
attempt('stream', () => fs.createWriteStream(null, { fd: 5 }).write('x'));
attempt('proc', () => fs.readlinkSync('/proc/self/fd/5'));
fs.writeFileSync(path.join(dir, 'tries.json'), JSON.stringify(tries));
if (process.argv.includes('die')) {
  fs.writeFileSync(path.join(dir, 'last'), 'before the kill');
  process.kill(process.pid, 'SIGKILL');
}
`;

describe('run: the write records', () => {
  const ws = makeWorkspace();
  after(ws.cleanup);
  const dir = fs.realpathSync(ws.dir);
  writeTree(dir, { 'sleeves/writer.mjs': WRITER });

  it('has every allowed write on record; the sleeve cannot close, write or name the records descriptor', async () => {
    const run = await runBin(['run', '--policy', 'strict', '--json', '-s', 'w=sleeves/writer.mjs'], dir);
    const out = readOutcome(dir, run);
    const w = out.report.sleeves[0];
    assert.ok(w, show(run));
    const tries = JSON.parse(fs.readFileSync(path.join(w.runDir, 'tries.json'), 'utf8')) as Record<string, string>;
    assert.equal(tries.closeSync, 'EACCES', show(run));
    assert.equal(tries.close, 'EACCES');
    assert.notEqual(tries.writeSync, 'done');
    assert.notEqual(tries.proc, 'done');
    // f0..f19 and tries.json: each allowed write once, nothing forged.
    assert.equal(w.writes, 21, show(run));
    assert.equal(w.channel?.fault, null);
    assert.ok(
      w.denials.some((d) => d.path === '<fd 5>'),
      'the refused close is on record',
    );
    assert.ok(!out.report.sleeves.some((s) => JSON.stringify(s).includes('/etc/passwd')), 'the forged record is nowhere');
  });

  it('keeps the records of a sleeve killed right after a write (they are written ahead of it)', async () => {
    fs.writeFileSync(
      path.join(dir, 'sleeve-manifest.json'),
      JSON.stringify({ version: 1, sleeves: [{ name: 'd', entry: 'sleeves/writer.mjs', args: ['die'] }] }),
    );
    const run = await runBin(['run', '--policy', 'strict', '--json'], dir);
    const d = readOutcome(dir, run).report.sleeves[0];
    assert.equal(d?.status, 'crashed', show(run));
    assert.equal(fs.readFileSync(path.join(d.runDir, 'last'), 'utf8'), 'before the kill');
    // 20 files, tries.json and `last`.
    assert.equal(d.writes, 22, show(run));
  });
});
