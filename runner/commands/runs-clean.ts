/**
 * `sleeve-sandbox runs clean --keep N`: removes all but the N most recent
 * batches (their run dirs, report dir and ledger: runner/batch/prune.ts), so
 * the auditor's scan stops growing with every batch kept. Refuses (exit 2,
 * nothing removed) while any batch is running. --dry-run lists, removes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SleeveSandboxError, EXIT, UsageError } from '../../policies/errors.js';
import { MANIFEST_FILE, findManifest } from '../batch/discover.js';
import { loadManifest } from '../batch/manifest.js';
import { resolveRunsDir } from '../batch/runs-dir.js';
import { type Skipped, choosePrune, removeOwned, scanBatches } from '../batch/prune.js';
import { escapeTerminal } from '../batch/progress.js';
import type { Io } from '../io.js';

export interface RunsCleanOptions {
  keep: number;
  workspace?: string;
  runsDir?: string;
  dryRun: boolean;
  json: boolean;
}

function realDir(p: string, flag: string): string {
  let real: string;
  try {
    real = fs.realpathSync.native(p);
  } catch {
    throw new UsageError(`${flag} ${p} does not exist: pass the directory that holds runs/ and reports/`);
  }
  if (!fs.statSync(real).isDirectory()) throw new UsageError(`${flag} ${p} is not a directory`);
  return real;
}

export async function runsCleanCommand(opts: RunsCleanOptions, io: Pick<Io, 'stdout' | 'stderr' | 'cwd'>): Promise<number> {
  if (!Number.isInteger(opts.keep) || opts.keep < 0) throw new UsageError(`--keep must be a whole number >= 0, got ${opts.keep}`);
  // The workspace as run picks it: --workspace, else the directory of the manifest found from here, else here.
  const found = opts.workspace === undefined ? findManifest(io.cwd).file : undefined;
  const wsArg = opts.workspace !== undefined ? path.resolve(io.cwd, opts.workspace) : found !== undefined ? path.dirname(found) : io.cwd;
  const workspace = realDir(wsArg, '--workspace');
  // The run root as run picks it: --runs-dir, else the manifest's runsDir, else runs (workspace-relative, checked the same way).
  const manifestFile = found ?? (fs.existsSync(path.join(workspace, MANIFEST_FILE)) ? path.join(workspace, MANIFEST_FILE) : undefined);
  const manifest = opts.runsDir === undefined && manifestFile !== undefined ? loadManifest(manifestFile) : undefined;
  const runsArg = path.join(workspace, resolveRunsDir(workspace, opts.runsDir, manifest));
  let runsRoot = runsArg;
  if (fs.existsSync(runsArg)) runsRoot = realDir(runsArg, '--runs-dir');
  else if (opts.runsDir !== undefined) throw new UsageError(`--runs-dir ${opts.runsDir} does not exist (looked at ${runsArg})`);
  const reportsRoot = fs.existsSync(path.join(workspace, 'reports'))
    ? fs.realpathSync.native(path.join(workspace, 'reports'))
    : path.join(workspace, 'reports');
  const scan = scanBatches(runsRoot, reportsRoot);
  const running = scan.batches.filter((b) => b.running);
  if (running.length > 0) {
    throw new SleeveSandboxError(
      'EBUSY',
      `runs clean: ${running.map((b) => `batch ${b.id} is running (${b.state})`).join('; ')}: wait for it to end and run again; nothing was removed`,
      EXIT.usage,
    );
  }
  const { keep, remove } = choosePrune(scan.batches, opts.keep);
  const removed: Array<{ batchId: string; startedAt: string; paths: string[] }> = [];
  const failed: Skipped[] = [];
  for (const b of remove) {
    const done: string[] = [];
    for (const p of b.paths) {
      if (opts.dryRun) {
        done.push(p);
        continue;
      }
      try {
        removeOwned(p);
        done.push(p);
      } catch (error) {
        failed.push({ path: p, why: (error as Error).message });
      }
    }
    removed.push({ batchId: b.id, startedAt: new Date(b.startedMs).toISOString(), paths: done });
  }
  const skipped = [...scan.skipped, ...failed];
  if (opts.json) {
    const out = {
      dryRun: opts.dryRun,
      keep: opts.keep,
      workspace,
      runsDir: runsRoot,
      reportsDir: reportsRoot,
      kept: keep.map((b) => b.id),
      removed,
      skipped,
      unclaimed: scan.unclaimed,
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const verb = opts.dryRun ? 'would remove' : 'removed';
    const lines = [
      `sleeve-sandbox: runs clean: ${scan.batches.length} batch(es), kept ${keep.length}, ${verb} ${removed.length}${opts.dryRun ? ' (dry run: nothing removed)' : ''}`,
    ];
    for (const r of removed) {
      lines.push(`  ${verb} batch ${r.batchId} (${r.startedAt})`);
      for (const p of r.paths) lines.push(`    ${escapeTerminal(p)}`);
    }
    for (const s of skipped) lines.push(`  left: ${escapeTerminal(s.path)}: ${escapeTerminal(s.why)}`);
    if (scan.unclaimed.length > 0) lines.push(`  left ${scan.unclaimed.length} run dir(s) no batch names (remove them by hand if unwanted)`);
    io.stdout(`${lines.join('\n')}\n`);
  }
  return failed.length > 0 ? EXIT.sleeveFailed : EXIT.ok;
}
