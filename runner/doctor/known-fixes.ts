/**
 * Known bypasses of Node's permission model and the releases that fixed them,
 * per release line (from the Node.js security releases). `null` for a line
 * means that line never got the fix (end of life). `coveredBy` says which
 * other layer of sleeve-sandbox still stops or catches it.
 */
export interface KnownFix {
  id: string;
  summary: string;
  fixed: Readonly<Record<number, string | null>>;
  coveredBy: string;
}

export const KNOWN_FIXES: readonly KnownFix[] = Object.freeze<KnownFix[]>([
  {
    id: 'CVE-2024-36137',
    summary: 'fs.fchown/fchmod on a read-only descriptor',
    fixed: { 20: '20.15.1', 22: '22.4.1' },
    coveredBy: 'fs guard (descriptor writes need a descriptor opened for writing)',
  },
  {
    id: 'CVE-2025-23083',
    summary: 'internal worker reachable through diagnostics_channel',
    fixed: { 20: '20.18.2', 22: '22.13.1' },
    coveredBy: 'capability guard (worker_threads refused)',
  },
  {
    id: 'CVE-2025-55130',
    summary: 'crafted relative symlink chain escapes fs grants',
    fixed: { 20: '20.20.0', 22: '22.22.0', 24: '24.13.0' },
    coveredBy: 'policy engine (symlinks resolved before deciding) and auditor',
  },
  {
    id: 'CVE-2025-55132',
    summary: 'fs.futimes ignores write grants',
    fixed: { 20: '20.20.0', 22: '22.22.0', 24: '24.13.0' },
    coveredBy: 'fs guard (descriptor writes) and auditor',
  },
  {
    id: 'CVE-2026-21715',
    summary: 'fs.realpathSync.native skips read checks',
    fixed: { 20: '20.20.2', 22: '22.22.2', 24: '24.14.1' },
    coveredBy: 'fs guard (realpath decided as a read)',
  },
  {
    id: 'CVE-2026-21716',
    summary: 'FileHandle.chmod/chown ignore write grants',
    fixed: { 20: '20.20.2', 22: '22.22.2', 24: '24.14.1' },
    coveredBy: 'fs guard (FileHandle methods need a handle opened for writing)',
  },
  {
    id: 'CVE-2026-48617',
    summary: 'process.report.writeReport path misvalidation',
    fixed: { 20: null, 22: '22.23.0', 24: '24.17.0' },
    coveredBy: 'capability guard (report files decided as writes)',
  },
  {
    id: 'CVE-2026-48935',
    summary: 'FileHandle.utimes ignores write grants',
    fixed: { 20: null, 22: '22.23.0', 24: '24.17.0' },
    coveredBy: 'fs guard (FileHandle methods) and auditor',
  },
  {
    id: 'CVE-2026-58039',
    summary: 'process.report writes outside grants',
    fixed: { 20: null, 22: '22.23.2', 24: '24.18.1' },
    coveredBy: 'capability guard (report settings frozen, writes decided)',
  },
  {
    id: 'CVE-2026-56847',
    summary: 'trace_events writes outside grants',
    fixed: { 20: null, 22: '22.23.2', 24: '24.18.1' },
    coveredBy: 'capability guard (trace_events refused)',
  },
  {
    id: 'CVE-2026-58043',
    summary: 'prefix-boundary over-grant in the grant tree',
    fixed: { 20: null, 22: '22.23.2', 24: '24.18.1' },
    coveredBy: 'fs guard (exact policy decisions) and auditor',
  },
]);

function parse(v: string): [number, number, number] {
  const [a, b, c] = v
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10));
  return [a ?? 0, b ?? 0, c ?? 0];
}

function lessThan(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if ((x[i] as number) !== (y[i] as number)) return (x[i] as number) < (y[i] as number);
  return false;
}

export type FixState = 'fixed' | 'missing' | 'unknown';

/** Whether `version` (e.g. "v20.20.2") has the fix. */
export function fixState(fix: KnownFix, version: string): FixState {
  const major = parse(version)[0];
  if (!(major in fix.fixed)) {
    const lines = Object.keys(fix.fixed).map(Number);
    return major > Math.max(...lines) ? 'fixed' : 'unknown';
  }
  const at = fix.fixed[major];
  if (at === null || at === undefined) return 'missing';
  return lessThan(version, at) ? 'missing' : 'fixed';
}
