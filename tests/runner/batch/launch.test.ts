import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OsLayerPlan } from '../../../policies/os-layer.js';
import { osLayerLaunch, plainLaunch } from '../../../runner/batch/launch.js';

describe('how a sleeve process is started', () => {
  it('without the OS layer: a shell that turns core dumps off, drops its own variables and execs through setpriv --pdeathsig', () => {
    const l = plainLaunch('/usr/bin/node', ['--x', 'boot.mjs'], { PATH: '/usr/bin', PWD: '/keep' }, { sh: '/bin/sh', setpriv: '/usr/bin/setpriv' });
    assert.equal(l.file, '/bin/sh');
    assert.equal(l.args[0], '-c');
    assert.equal(l.args[1], 'ulimit -c 0 2>/dev/null; unset OLDPWD SHLVL _ NODE_V8_COVERAGE; exec "/usr/bin/setpriv" --pdeathsig KILL -- "$0" "$@"');
    assert.deepEqual(l.args.slice(2), ['/usr/bin/node', '--x', 'boot.mjs']);
    assert.deepEqual(l.env, { PATH: '/usr/bin', PWD: '/keep' }, 'a PWD the policy passed stays');
    assert.equal(l.relayedExit, false);
    assert.equal(l.stdin, undefined);
  });
  it('without setpriv or a shell it still starts the program', () => {
    assert.doesNotMatch(plainLaunch('/n', [], {}, { sh: '/bin/sh' }).args[1] ?? '', /pdeathsig/);
    assert.deepEqual(plainLaunch('/n', ['a'], {}, {}), { file: '/n', args: ['a'], env: {}, relayedExit: false });
  });
  it('inside the OS layer: bubblewrap with its options on stdin (none on the command line) and an empty environment', () => {
    const plan: OsLayerPlan = {
      options: ['--unshare-pid', '--setenv', 'SECRET', 'v'],
      command: ['/usr/bin/prlimit', '--', 'x'],
      mounts: [],
      unenforced: [],
      network: false,
    };
    const l = osLayerLaunch('/usr/bin/bwrap', plan);
    assert.deepEqual(l.args, ['--args', '0', '--', '/usr/bin/prlimit', '--', 'x']);
    assert.equal(l.stdin?.toString(), '--unshare-pid\0--setenv\0SECRET\0v\0');
    assert.ok(!l.args.includes('SECRET'));
    assert.deepEqual(l.env, {});
    assert.equal(l.relayedExit, true);
  });
});
