/**
 * Benchmark section "os-layer": what the kernel boundary (bubblewrap) adds.
 *
 * Side by side, alternating order, medians of per-repetition figures:
 * - start-up: a batch of 32 trivial `.js` sleeves at concurrency 2 through the
 *   CLI with `--os-layer off` and with `--os-layer required`, and 32 bare
 *   `node` processes; the per-sleeve cost of the layer is the difference of
 *   the runner's per-sleeve time (spawn to close) between the two CLI runs;
 * - fs-heavy: the fs-heavy sleeve's in-process time (20,000 reads, 2,000
 *   writes) with and without the layer, and bare node.
 *
 * Targets (issue 10): <= +10 ms per sleeve start; no fs overhead of its own
 * (required / off <= 1.05x on the in-process time).
 */
import fs from 'node:fs';
import path from 'node:path';
import { probeOsLayer } from '../runner/batch/os-layer.js';
import { type SectionReport, median } from './policy-decide.js';
import { fsHeavySleeveSource } from './run-fs-heavy.js';
import { alternate, createBenchWorkspace, fmtMs, pool, runBareNode, runCli, valueLine } from './workspace.js';

export interface OsLayerBenchOptions {
  batch?: number;
  concurrency?: number;
  reps?: number;
  progress?: (message: string) => void;
}

export const OS_LAYER_TARGETS = Object.freeze({ startAddedMs: 10, fsRatio: 1.05 });

const TRIVIAL = `import fs from 'node:fs';
import path from 'node:path';
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;

type StartVariant = 'bare' | 'off' | 'required';
interface StartSample {
  perSleeveMs: number;
  /** Median spawn-to-close time of one sleeve (the runner's durationMs; bare: the process). */
  sleeveMs: number;
}

export async function benchOsLayer(options: OsLayerBenchOptions = {}): Promise<SectionReport> {
  const batch = options.batch ?? 32;
  const concurrency = options.concurrency ?? 2;
  const reps = options.reps ?? 5;
  const progress = options.progress ?? (() => {});
  const probe = probeOsLayer();
  if (!probe.available) return { name: 'os-layer', lines: [`os-layer: not measured: ${probe.reason}`], json: { available: false, reason: probe.reason } };

  const ws = createBenchWorkspace({ files: 2000, dirs: 20, fileBytes: 200 });
  try {
    const entry = ws.sleeve('trivial.js', TRIVIAL);
    const heavy = ws.sleeve('fs-heavy.js', fsHeavySleeveSource(2000, 20, 10, 2000, 200));
    let seq = 0;
    const start: Record<StartVariant, () => Promise<StartSample>> = {
      bare: async () => {
        const dirs = Array.from({ length: batch }, () => ws.runDir(`bare-${String(seq++).padStart(4, '0')}`));
        const { ms, results } = await pool(batch, concurrency, (i) => runBareNode(ws, entry, dirs[i] as string));
        return { perSleeveMs: ms / batch, sleeveMs: median(results.map((r) => r.ms)) };
      },
      off: () => cliStart(['--os-layer', 'off']),
      required: () => cliStart(['--os-layer', 'required']),
    };
    async function cliStart(args: string[]): Promise<StartSample> {
      const names = Array.from({ length: batch }, (_, i) => [`s${String(i).padStart(3, '0')}`, entry] as const);
      const run = await runCli(ws, names, concurrency, args);
      for (const s of run.sleeves) if (!fs.existsSync(path.join(s.runDir, 'out.txt'))) throw new Error(`${s.name} wrote no out.txt (${args.join(' ')})`);
      return { perSleeveMs: run.ms / batch, sleeveMs: median(run.sleeves.map((s) => s.durationMs)) };
    }
    const fsWork = async (layer: 'off' | 'required' | 'bare') => {
      if (layer === 'bare') {
        const dir = ws.runDir(`heavy-bare-${seq++}`);
        await runBareNode(ws, heavy, dir);
        return JSON.parse(fs.readFileSync(path.join(dir, 'timing.json'), 'utf8')) as { totalMs: number; readMs: number; writeMs: number };
      }
      const run = await runCli(ws, [['fsheavy', heavy]], 1, ['--os-layer', layer]);
      const s = run.sleeves[0];
      if (!s) throw new Error('no sleeve in the summary');
      return JSON.parse(fs.readFileSync(path.join(s.runDir, 'timing.json'), 'utf8')) as { totalMs: number; readMs: number; writeMs: number };
    };

    const startVariants: StartVariant[] = ['bare', 'off', 'required'];
    progress('os-layer: warming up ...');
    for (const v of startVariants) await start[v]();
    ws.clearRuns();
    const s: Record<StartVariant, StartSample[]> = { bare: [], off: [], required: [] };
    const f: Record<'bare' | 'off' | 'required', Array<{ totalMs: number; readMs: number; writeMs: number }>> = { bare: [], off: [], required: [] };
    for (let rep = 0; rep < reps; rep++) {
      const order = alternate(startVariants, rep);
      progress(`os-layer: repetition ${rep + 1}/${reps}: start-up ${order.join(', ')}; fs-heavy ${order.join(', ')} ...`);
      for (const v of order) {
        s[v].push(await start[v]());
        ws.clearRuns();
      }
      for (const v of order) {
        f[v].push(await fsWork(v));
        ws.clearRuns();
      }
    }
    const per = (v: StartVariant) => median(s[v].map((x) => x.perSleeveMs));
    const sleeve = (v: StartVariant) => median(s[v].map((x) => x.sleeveMs));
    const addedMs = median(s.required.map((x, i) => x.sleeveMs - (s.off[i] as StartSample).sleeveMs));
    const startRatio = median(s.required.map((x, i) => x.perSleeveMs / (s.off[i] as StartSample).perSleeveMs));
    const bareRatio = median(s.required.map((x, i) => x.perSleeveMs / (s.bare[i] as StartSample).perSleeveMs));
    const fsRatio = median(f.required.map((x, i) => x.totalMs / (f.off[i] as { totalMs: number }).totalMs));
    const fsBare = median(f.required.map((x, i) => x.totalMs / (f.bare[i] as { totalMs: number }).totalMs));
    const fmed = (v: 'bare' | 'off' | 'required') => median(f[v].map((x) => x.totalMs));
    const pass = { start: addedMs <= OS_LAYER_TARGETS.startAddedMs, fs: fsRatio <= OS_LAYER_TARGETS.fsRatio };
    const lines = [
      `os-layer: ${probe.version} (${probe.root ? 'runner is root: sleeves as their own uid' : 'user namespace'}), batches of ${batch} trivial .js sleeves at concurrency ${concurrency}; fs-heavy sleeve; median of ${reps} reps`,
      valueLine('bare node, per sleeve', fmtMs(per('bare')), `one process ${fmtMs(sleeve('bare'))}`),
      valueLine('run --os-layer off, per sleeve', fmtMs(per('off')), `one sleeve ${fmtMs(sleeve('off'))}`),
      valueLine('run --os-layer required, per sleeve', fmtMs(per('required')), `one sleeve ${fmtMs(sleeve('required'))}`),
      `  added per sleeve start by the OS layer: ${addedMs.toFixed(1)} ms  (target <= +${OS_LAYER_TARGETS.startAddedMs} ms: ${pass.start ? 'met' : 'MISSED'})`,
      `  batch per sleeve: required / off ${startRatio.toFixed(3)}x, required / bare node ${bareRatio.toFixed(3)}x`,
      valueLine('fs-heavy in-process, bare node', fmtMs(fmed('bare'))),
      valueLine('fs-heavy in-process, --os-layer off', fmtMs(fmed('off'))),
      valueLine('fs-heavy in-process, --os-layer required', fmtMs(fmed('required'))),
      `  fs-heavy required / off: ${fsRatio.toFixed(3)}x  (target <= ${OS_LAYER_TARGETS.fsRatio}x: ${pass.fs ? 'met' : 'MISSED'}); required / bare node ${fsBare.toFixed(3)}x`,
    ];
    return {
      name: 'os-layer',
      lines,
      json: {
        available: true,
        version: probe.version,
        root: probe.root,
        batch,
        concurrency,
        reps,
        addedMsPerSleeve: addedMs,
        startRatio,
        bareRatio,
        fsRatio,
        fsBare,
        targets: OS_LAYER_TARGETS,
        pass,
        samples: { start: s, fs: f },
      },
    };
  } finally {
    ws.remove();
  }
}
