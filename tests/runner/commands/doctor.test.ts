import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doctorReport } from '../../../runner/commands/doctor.js';
import { KNOWN_FIXES, fixState } from '../../../runner/doctor/known-fixes.js';
import { runBinSync } from '../../helpers/cli.js';

const fix = (id: string) => KNOWN_FIXES.find((f) => f.id === id) as (typeof KNOWN_FIXES)[number];

describe('sleeve-sandbox doctor', () => {
  it('knows which permission-model fixes a version lacks, per release line', () => {
    assert.equal(fixState(fix('CVE-2026-21715'), 'v20.20.1'), 'missing');
    assert.equal(fixState(fix('CVE-2026-21715'), 'v20.20.2'), 'fixed');
    assert.equal(fixState(fix('CVE-2026-58039'), 'v20.20.2'), 'missing', 'never fixed on the 20 line');
    assert.equal(fixState(fix('CVE-2026-58039'), 'v22.23.1'), 'missing');
    assert.equal(fixState(fix('CVE-2026-58039'), 'v22.23.2'), 'fixed');
    assert.equal(fixState(fix('CVE-2026-58039'), 'v26.1.0'), 'fixed');
    assert.equal(fixState(fix('CVE-2026-58039'), 'v21.0.0'), 'unknown');
  });
  it('reports the layers, the missing fixes with the layer that covers each, and bubblewrap', () => {
    const missing = { available: false as const, reason: 'bubblewrap (bwrap) is not installed', fix: 'install bubblewrap' };
    const r = doctorReport('v20.20.2', new Set(['--experimental-permission']), () => missing);
    assert.equal(r.permissionFlag, '--experimental-permission');
    assert.deepEqual(
      r.missingFixes.map((f) => f.id),
      ['CVE-2026-48617', 'CVE-2026-48935', 'CVE-2026-58039', 'CVE-2026-56847', 'CVE-2026-58043'],
    );
    assert.ok(r.missingFixes.every((f) => f.coveredBy.length > 0));
    assert.equal(r.bubblewrap.available, false);
    assert.equal(r.bubblewrap.problem, missing.reason);
    assert.equal(r.bubblewrap.fix, missing.fix);
    assert.ok(!r.layers.includes('OS layer (bubblewrap)'));
    assert.ok(r.limits.some((l) => /not limited by the kernel/.test(l)));
    assert.ok(r.layers.includes('node permission model (--experimental-permission)'));
    assert.ok(r.layers.includes('auditor'));
    const bw = { available: true as const, bwrap: 'bwrap', version: 'bubblewrap 0.8.0', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv', root: true };
    const none = doctorReport(
      'v18.0.0',
      new Set(),
      () => bw,
      undefined,
      () => 'cgroup v1 here',
    );
    assert.equal(none.ok, false);
    assert.equal(none.bubblewrap.version, 'bubblewrap 0.8.0');
    assert.match(none.bubblewrap.identity ?? '', /uid of its own/);
    assert.ok(none.layers.includes('OS layer (bubblewrap)'));
    assert.ok(none.limits.some((l) => /RLIMIT_NPROC 256/.test(l)));
    assert.ok(none.limits.some((l) => /cgroup v2 .*not used; cgroup v1 here/.test(l)));
  });
  it('prints JSON for this node through the real bin', () => {
    const res = runBinSync(['doctor', '--json'], process.cwd());
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout) as { node: string; layers: string[] };
    assert.equal(r.node, process.version);
    assert.ok(r.layers.length >= 5);
  });
});
