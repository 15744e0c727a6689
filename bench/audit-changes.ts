/**
 * Benchmark section "audit-changes": what a sleeve doing only allowed things
 * at high volume costs the auditor (the auditor of bench/audit.ts, in-process).
 *
 * One workspace: a lakehouse of 100,000 small files (1,000 directories). Two
 * variants, side by side in the same process, alternating the order, median
 * of `reps`:
 *   (a) baseline: begin(), nothing changes, finish() with one sleeve that
 *       reported nothing;
 *   (b) changes: begin(), then a separate process (the sleeve, as the auditor
 *       sees it) makes 100,000 files in its run dir (half at its top, where each
 *       is a watcher event; half in 50 directories made with mkdir -p) and
 *       renames 10,000 of them; finish() with the sleeve's writes set as its
 *       guard would report them (every file, both sides of every rename, every
 *       mkdir -p), so 100,000 changes to account.
 * Timed: begin() + finish() only (the sleeve's own work is not the auditor's).
 * The CPU time of the auditor's process over the whole window (its watcher
 * works while the sleeve does) is shown for information.
 *
 * Target: (b) - (a) <= 3 s (medians of the paired differences), audit clean.
 *
 * Run alone: `node dist/bench/audit-changes.js [--reps N] [--files N]`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPolicy } from '../policies/loader.js';
import { createNodeSys } from '../policies/node-sys.js';
import { createAuditor } from '../runner/audit/auditor.js';
import { type SectionReport, median } from './policy-decide.js';

export interface AuditChangesBenchOptions {
  reps?: number;
  /** Files in the lakehouse (default 100,000). */
  files?: number;
  /** Files the sleeve makes (default 100,000). */
  changes?: number;
  progress?: (message: string) => void;
}

export const AUDIT_CHANGES_TARGET = Object.freeze({ addedSeconds: 3 });

/** The sleeve: argv[2] = run dir, argv[3] = files; prints nothing, exits 0. */
const SLEEVE = `
const fs = require('node:fs');
const [run, n] = [process.argv[1], Number(process.argv[2])];
const top = Math.floor(n / 2);
for (let f = 0; f < top; f++) fs.writeFileSync(run + '/top' + f + '.tmp', String(f));
const per = 1000;
for (let d = 0; d * per < n - top; d++) {
  const dir = run + '/bulk/d' + d + '/inner';
  fs.mkdirSync(dir, { recursive: true });
  for (let f = 0; f < per && d * per + f < n - top; f++) fs.writeFileSync(dir + '/' + f + '.csv', String(f));
}
for (let f = 0; f < Math.min(top, n / 10); f++) fs.renameSync(run + '/top' + f + '.tmp', run + '/top' + f + '.csv');
`;

/** What the sleeve's guard would report: every file, both sides of every rename, every mkdir -p. */
function reportedWrites(run: string, n: number): Set<string> {
  const writes = new Set<string>();
  const top = Math.floor(n / 2);
  for (let f = 0; f < top; f++) writes.add(`${run}/top${f}.tmp`);
  for (let d = 0; d * 1000 < n - top; d++) {
    writes.add(`${run}/bulk/d${d}/inner`);
    for (let f = 0; f < 1000 && d * 1000 + f < n - top; f++) writes.add(`${run}/bulk/d${d}/inner/${f}.csv`);
  }
  for (let f = 0; f < Math.min(top, n / 10); f++) writes.add(`${run}/top${f}.csv`);
  return writes;
}

function createWorkspace(files: number): string {
  const root = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-bench-changes-'))), 'ws');
  for (let d = 0; d * 100 < files; d++) {
    const dir = path.join(root, 'data', 'lakehouse', `d${String(d).padStart(4, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100 && d * 100 + f < files; f++) fs.writeFileSync(path.join(dir, `f${f}.csv`), `id,value\n${d},${f}\n`);
  }
  fs.mkdirSync(path.join(root, 'runs'));
  return root;
}

interface Sample {
  ms: number;
  beginMs: number;
  finishMs: number;
  cpuMs: number;
  violations: number;
  changed: number;
  events: number;
  overflow: boolean;
}

async function sample(ws: string, changes: number, seq: number, withChanges: boolean): Promise<Sample> {
  const runId = `s${seq}`;
  const run = path.join(ws, 'runs', runId);
  const auditor = createAuditor({
    workspace: ws,
    ignore: [],
    excludeAbs: [path.join(ws, 'reports')],
    protect: ['data/lakehouse/**'],
    hash: false,
    watch: true,
  });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await auditor.begin();
  const beginMs = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.mkdirSync(run); // as the runner makes it, after begin()
  const startedMs = Date.now();
  if (withChanges) {
    // A separate process, so the auditor's watcher works while the sleeve does, as in a real batch.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', SLEEVE, run, String(changes)], { stdio: 'inherit' });
      child.once('error', reject);
      child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`the bench sleeve exited with ${code ?? signal}`))));
    });
  }
  const endedMs = Date.now();
  const writes = withChanges ? reportedWrites(run, changes) : new Set<string>();
  const t1 = process.hrtime.bigint();
  const outcome = await auditor.finish([
    {
      name: runId,
      kind: 'sleeve',
      runId,
      runDir: run,
      policy: loadPolicy('strict', { workspace: ws, sys: createNodeSys(undefined, () => ws) }).policy,
      writes,
      startedMs,
      endedMs,
    },
  ]);
  const finishMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  fs.rmSync(run, { recursive: true, force: true });
  return {
    ms: beginMs + finishMs,
    beginMs,
    finishMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    violations: outcome.violations.length,
    changed: outcome.changed,
    events: outcome.watcherEvents,
    overflow: outcome.watcherOverflow,
  };
}

export async function benchAuditChanges(opts: AuditChangesBenchOptions = {}): Promise<SectionReport> {
  const reps = opts.reps ?? 3;
  const files = opts.files ?? 100_000;
  const changes = opts.changes ?? 100_000;
  const progress = opts.progress ?? (() => {});
  progress(`audit-changes: creating a lakehouse of ${files} files ...`);
  const ws = createWorkspace(files);
  try {
    const base: Sample[] = [];
    const busy: Sample[] = [];
    let seq = 0;
    progress('audit-changes: warming up ...');
    await sample(ws, changes, seq++, false);
    for (let rep = 0; rep < reps; rep++) {
      progress(`audit-changes: repetition ${rep + 1}/${reps} ...`);
      if (rep % 2 === 0) {
        base.push(await sample(ws, changes, seq++, false));
        busy.push(await sample(ws, changes, seq++, true));
      } else {
        busy.push(await sample(ws, changes, seq++, true));
        base.push(await sample(ws, changes, seq++, false));
      }
    }
    const added = median(busy.map((s, i) => s.ms - (base[i] as Sample).ms));
    const ratio = median(busy.map((s, i) => s.ms / (base[i] as Sample).ms));
    const med = (xs: Sample[], k: keyof Sample) => median(xs.map((s) => s[k] as number));
    const pass = added / 1000 <= AUDIT_CHANGES_TARGET.addedSeconds;
    const problems: string[] = [];
    for (const s of [...base, ...busy]) if (s.violations > 0) problems.push(`${s.violations} violation(s) in a batch of allowed changes`);
    for (const s of busy) if (s.changed < changes) problems.push(`only ${s.changed} changes seen, fewer than ${changes}`);
    const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const lines = [
      `audit-changes: the auditor in-process (no hash) over a lakehouse of ${files} files; a sleeve makes ${changes} allowed changes in its run dir (${changes / 10} renames); median of ${reps}, order alternating`,
      `  ${''.padEnd(34)} ${'begin+finish'.padStart(12)} ${'begin'.padStart(9)} ${'finish'.padStart(9)} ${'cpu (window)'.padStart(13)} ${'changes'.padStart(8)} ${'events'.padStart(8)}`,
      ...(
        [
          ['(a) no changes (baseline)', base],
          ['(b) 100k allowed changes', busy],
        ] as const
      ).map(
        ([label, xs]) =>
          `  ${label.padEnd(34)} ${f(med(xs, 'ms')).padStart(12)} ${f(med(xs, 'beginMs')).padStart(9)} ${f(med(xs, 'finishMs')).padStart(9)} ${f(med(xs, 'cpuMs')).padStart(13)} ${String(med(xs, 'changed')).padStart(8)} ${String(med(xs, 'events')).padStart(8)}`,
      ),
      `  ${'added by the changes'.padEnd(34)} ${`+${f(added)}`.padStart(12)}   (target <= +${AUDIT_CHANGES_TARGET.addedSeconds} s)  ${pass ? 'PASS' : 'MISS'}   ratio ${ratio.toFixed(2)}x`,
      ...problems.map((p) => `  WARNING: ${p}`),
    ];
    return { name: 'audit-changes', lines, json: { files, changes, reps, base, busy, addedMs: added, ratio, target: AUDIT_CHANGES_TARGET, pass, problems } };
  } finally {
    fs.rmSync(path.dirname(ws), { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const options: AuditChangesBenchOptions = { progress: (m) => process.stderr.write(`# ${m}\n`) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--reps') options.reps = Number(argv[++i]);
    else if (argv[i] === '--files') options.files = Number(argv[++i]);
  }
  benchAuditChanges(options).then(
    (r) => {
      for (const line of r.lines) process.stdout.write(`${line}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`audit-changes bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
