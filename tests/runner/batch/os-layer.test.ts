import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../policies/errors.js';
import {
  type OsLayerProbe,
  type OsSource,
  SANDBOX_UID_BASE,
  SANDBOX_UID_SPAN,
  decideOsLayer,
  probeOsLayer,
  sandboxUid,
} from '../../../runner/batch/os-layer.js';

const works: OsLayerProbe = {
  available: true,
  bwrap: 'bwrap',
  version: 'bubblewrap 0.8.0',
  prlimit: '/usr/bin/prlimit',
  setpriv: '/usr/bin/setpriv',
  root: true,
};
const missing: OsLayerProbe = { available: false, reason: 'bubblewrap (bwrap) is not installed', fix: 'install bubblewrap' };

function decide(sources: OsSource[], probe: OsLayerProbe, command = false) {
  let asked = 0;
  const r = decideOsLayer(sources, {
    command,
    where: 'm.json:3:5 (sleeves[0])',
    probe: () => {
      asked++;
      return probe;
    },
  });
  return { r, asked };
}

describe('the OS layer of one step', () => {
  it('is auto by default: used where it works, and not where it does not, saying why', () => {
    assert.deepEqual(decide([], works).r, { setting: 'auto', from: 'the default', use: true });
    assert.deepEqual(decide([], missing).r, {
      setting: 'auto',
      from: 'the default',
      use: false,
      why: 'bubblewrap (bwrap) is not installed; install bubblewrap',
    });
  });
  it('takes the strictest setting and names who set it', () => {
    const { r } = decide(
      [
        [undefined, '--os-layer'],
        ['off', 'step'],
        ['required', 'policy kernel'],
        ['auto', 'manifest'],
      ],
      works,
    );
    assert.deepEqual(r, { setting: 'required', from: 'policy kernel', use: true });
  });
  it('never asks the machine when every source says off', () => {
    const { r, asked } = decide([['off', '--os-layer off']], works);
    assert.deepEqual(r, { setting: 'off', from: '--os-layer off', use: false, why: 'the OS layer is off (--os-layer off)' });
    assert.equal(asked, 0);
  });
  it('stops "required" with the reason and the fix where it cannot work', () => {
    assert.throws(
      () => decide([['required', '--os-layer required']], missing),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          'm.json:3:5 (sleeves[0]): the OS layer is required (--os-layer required) but bubblewrap (bwrap) is not installed; install bubblewrap. Nothing was run',
    );
  });
  it('makes a command step required, and refuses one that something turned off', () => {
    assert.deepEqual(decide([], works, true).r, {
      setting: 'required',
      from: 'a command step (only the kernel confines a program that is not Node)',
      use: true,
    });
    assert.throws(() => decide([], missing, true), /the OS layer is required \(a command step/);
    assert.throws(() => decide([['off', 'policy loose']], works, true), /a command step needs the OS layer, but it is "off" \(policy loose\)/);
  });
});

describe('probing the machine', () => {
  it('says bubblewrap is missing, with the install command, when the binary does not exist', () => {
    const p = probeOsLayer({ bwrap: '/nonexistent/bwrap' });
    assert.equal(p.available, false);
    assert.ok(!p.available && /\/nonexistent\/bwrap\) is not installed/.test(p.reason) && /apt-get install bubblewrap/.test(p.fix));
  });
  it('says it needs Linux elsewhere', () => {
    const p = probeOsLayer({ platform: 'darwin' });
    assert.ok(!p.available && /needs Linux namespaces; this is darwin/.test(p.reason));
  });
  it('reports a binary that is not bubblewrap as failing, not as available', () => {
    const p = probeOsLayer({ bwrap: '/bin/false' });
    assert.equal(p.available, false);
  });
});

describe("a root runner's sleeve uids", () => {
  it('are stable per run, distinct across runs and workspaces, and far above login users', () => {
    assert.equal(sandboxUid('/ws', 'a'), sandboxUid('/ws', 'a'));
    const uids = new Set<number>();
    for (let i = 0; i < 2000; i++) uids.add(sandboxUid('/ws', `run-${i}`));
    for (let i = 0; i < 2000; i++) uids.add(sandboxUid('/other', `run-${i}`));
    assert.ok(uids.size >= 3990, `${4000 - uids.size} collisions in 4000 runs`);
    for (const u of uids) assert.ok(u >= SANDBOX_UID_BASE && u < SANDBOX_UID_BASE + SANDBOX_UID_SPAN && u < 2 ** 32 - 1);
  });
});
