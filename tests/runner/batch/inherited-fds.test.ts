/**
 * The runner closes descriptors it inherited without close-on-exec before any
 * sleeve starts (runner/batch/inherited-fds.ts). The rule in-process, and the
 * real thing in a child Node given such a pipe at fd 50: after the call, a
 * grandchild it spawns finds nothing there. The escape corpus gives the runner
 * the same pipe and asserts no sleeve reaches it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fdinfoFlags, leakingFds } from '../../../runner/batch/inherited-fds.js';

const MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../runner/batch/inherited-fds.js');

describe('descriptors the runner inherited', () => {
  it('are those above stdio without close-on-exec, except the ones kept', () => {
    const entries = [
      { fd: 0, flags: 0o2 },
      { fd: 1, flags: 0o1 },
      { fd: 3, flags: 0o2000002 },
      { fd: 50, flags: 0o1 },
      { fd: 7, flags: 0o4000 },
      { fd: 9, flags: 0o2004000 },
    ];
    assert.deepEqual(leakingFds(entries, new Set()), [50, 7]);
    assert.deepEqual(leakingFds(entries, new Set([7])), [50]);
  });
  it('reads the octal flags of an fdinfo text', () => {
    assert.equal(fdinfoFlags('pos:\t0\nflags:\t02004002\nmnt_id:\t15\n'), 0o2004002);
    assert.equal(fdinfoFlags('pos: 0\n'), undefined);
  });
  it('are closed for real, so a process started afterwards finds nothing there', { skip: process.platform !== 'linux' }, async () => {
    const script = `
      import { closeLeakingFds } from ${JSON.stringify(MODULE)};
      import { spawnSync } from 'node:child_process';
      const probe = "try { require('fs').fstatSync(50); console.log('open') } catch { console.log('closed') }";
      const before = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout.trim();
      const closed = closeLeakingFds({});
      const after = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout.trim();
      console.log(JSON.stringify({ before, closed, after }));
    `;
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'pipe', 'pipe'];
    while (stdio.length < 50) stdio.push('ignore');
    stdio.push('pipe');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((r) => child.on('close', r));
    const r = JSON.parse(out.trim()) as { before: string; closed: number[]; after: string };
    assert.equal(r.before, 'open', 'the pipe reaches a grandchild without the fix');
    assert.ok(r.closed.includes(50));
    assert.equal(r.after, 'closed');
  });
});
