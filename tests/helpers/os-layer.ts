/**
 * Whether the OS layer (bubblewrap) works on this machine, asked once per
 * test file with the runner's own probe. Tests that need it are skipped where
 * it cannot run, except in CI (CI=true), where .ci/run installs bubblewrap and
 * a missing OS layer must fail the run rather than pass it quietly.
 */
import { type OsLayerProbe, probeOsLayer } from '../../runner/batch/os-layer.js';

export const OS_PROBE: OsLayerProbe = probeOsLayer();
export const OS_LAYER = OS_PROBE.available;

/** `skip` option for a test that needs the OS layer: false to run it, a reason to skip it. */
export const needsOsLayer: false | string = OS_PROBE.available || process.env.CI === 'true' ? false : `the OS layer is not available here: ${OS_PROBE.reason}`;

/** What the runner itself puts in a run dir, as listTree spells it: logs, its TMPDIR, and the OS layer's mount table when used. */
export function runnerMade(osLayer: boolean = OS_LAYER): string[] {
  return ['logs/', ...(osLayer ? ['logs/os-layer.json'] : []), 'logs/stderr.log', 'logs/stdout.log', 'tmp/'];
}
