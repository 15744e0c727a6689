/**
 * `sleeve-sandbox doctor`: what this machine gives the sandbox. The Node
 * version, its permission model, the known permission-model fixes it lacks
 * (and which layer covers each), bubblewrap, and the layers `run` will use.
 */
import { spawnSync } from 'node:child_process';
import { EXIT } from '../../policies/errors.js';
import { detectNodeFeatures } from '../../policies/node-flags.js';
import { ISOLATED_VM_FIX, type IsolatedVmStatus, isolatedVmStatus } from '../batch/isolated-vm.js';
import { KNOWN_FIXES, fixState } from '../doctor/known-fixes.js';
import type { Io } from '../cli.js';

export interface DoctorReport {
  node: string;
  permissionFlag: string | null;
  missingFixes: Array<{ id: string; summary: string; coveredBy: string; state: string }>;
  bubblewrap: { available: boolean; version: string | null };
  /** isolated-vm for --mode isolate: its version, or why it cannot be used. */
  isolate: { available: boolean; version: string | null; problem: string | null };
  layers: string[];
  ok: boolean;
}

export function doctorReport(
  version: string,
  flags: ReadonlySet<string>,
  bwrap: () => string | null,
  ivm: () => IsolatedVmStatus = () => ({ problem: 'not checked' }),
): DoctorReport {
  const features = detectNodeFeatures(flags);
  const missingFixes = KNOWN_FIXES.map((f) => ({ id: f.id, summary: f.summary, coveredBy: f.coveredBy, state: fixState(f, version) })).filter(
    (f) => f.state !== 'fixed',
  );
  const bw = bwrap();
  const iv = ivm();
  const isolateOk = iv.dir !== undefined && iv.problem === undefined;
  const layers = ['policy engine', 'fs guard', 'capability guard'];
  if (features.permissionFlag) layers.push(`node permission model (${features.permissionFlag})`);
  layers.push('process isolation', 'auditor');
  return {
    node: version,
    permissionFlag: features.permissionFlag,
    missingFixes,
    bubblewrap: { available: bw !== null, version: bw },
    isolate: { available: isolateOk, version: iv.version ?? null, problem: iv.problem ?? null },
    layers,
    ok: features.permissionFlag !== null,
  };
}

function findBwrap(): string | null {
  const r = spawnSync('bwrap', ['--version'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

export async function doctorCommand(opts: { json: boolean }, io: Io): Promise<number> {
  const r = doctorReport(process.version, process.allowedNodeEnvironmentFlags, findBwrap, isolatedVmStatus);
  if (opts.json) {
    io.stdout(`${JSON.stringify(r, null, 2)}\n`);
    return r.ok ? EXIT.ok : EXIT.usage;
  }
  const lines = [
    `node: ${r.node}`,
    `permission model: ${r.permissionFlag ?? 'not available (sleeve-sandbox run needs Node >= 20.19)'}`,
  ];
  if (r.missingFixes.length === 0) lines.push('known permission-model fixes: all present');
  else {
    lines.push(`known permission-model fixes this node lacks (${r.missingFixes.length}):`);
    for (const f of r.missingFixes) lines.push(`  ${f.id} (${f.state}): ${f.summary}; covered by: ${f.coveredBy}`);
  }
  lines.push(`bubblewrap: ${r.bubblewrap.available ? r.bubblewrap.version : 'not found (the OS layer is planned; install bubblewrap to prepare for it)'}`);
  lines.push(
    `isolate mode (isolated-vm): ${r.isolate.available ? `available, isolated-vm ${r.isolate.version}` : `not available: ${r.isolate.problem}; ${ISOLATED_VM_FIX}`}`,
  );
  lines.push(`layers run will use: ${r.layers.join(', ')}${r.isolate.available ? '; with --mode isolate also: V8 isolate (no Node API)' : ''}`);
  io.stdout(`${lines.join('\n')}\n`);
  return r.ok ? EXIT.ok : EXIT.usage;
}
