/**
 * Benchmark section "startup": what the sandbox adds to starting a sleeve.
 *
 * A trivial sleeve (it writes one small file into its run dir) is run as one
 * batch of 32 through the real CLI (`sleeve-sandbox run --policy strict ...
 * --concurrency 2`, one invocation with 32 `--sleeve` flags, so the runner's
 * own start and the per-batch esbuild bundling are counted once per batch),
 * and side by side as 32 bare `node sleeve.js` processes, 2 at a time,
 * spawned from the bench script. Figures are wall time per sleeve (batch
 * wall / 32); ratios are medians of per-repetition ratios.
 *
 * Targets: `.js` batch <= 1.25x bare node; `.ts` batch <= 1.4x bare node
 * (`.js`). For context: bare node with Node's own permission flags
 * (a read grant on the workspace, a write grant on the run dir), and the
 * `.js` batch with `--no-audit` (what the auditor adds per batch).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type SectionReport, median } from './policy-decide.js';
import {
  type BenchWorkspace,
  alternate,
  cliHasOption,
  createBenchWorkspace,
  fmtMs,
  nodePermissionArgs,
  nodePermissionFlag,
  pool,
  ratioTargetLine,
  runBareNode,
  runCli,
  valueLine,
} from './workspace.js';

export interface StartupBenchOptions {
  /** Sleeves per batch (default 32). */
  batch?: number;
  concurrency?: number;
  reps?: number;
  progress?: (message: string) => void;
}

export const STARTUP_TARGETS = Object.freeze({ js: 1.25, ts: 1.4 });

/** A trivial sleeve: one small file into its run dir (shared with the pool section). */
export const TRIVIAL_JS = `import fs from 'node:fs';
import path from 'node:path';

fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;

export const TRIVIAL_TS = `import fs from 'node:fs';
import path from 'node:path';

const runDir: string = process.env.SLEEVE_RUN_DIR ?? '.';
const text: string = 'ok\\n';
fs.writeFileSync(path.join(runDir, 'out.txt'), text);
`;

type Variant = 'bare' | 'perm' | 'js' | 'ts' | 'jsNoAudit';

interface Sample {
  /** Batch wall time / batch size. */
  perSleeveMs: number;
  batchMs: number;
  /** Median of the runner's per-sleeve durationMs (spawn to close), CLI only. */
  sleeveMedianMs?: number;
  /** Median process time, bare only. */
  processMedianMs?: number;
}

function checkOutputs(dirs: readonly string[], what: string): void {
  const missing = dirs.filter((d) => !fs.existsSync(path.join(d, 'out.txt')));
  if (missing.length > 0) throw new Error(`${what}: ${missing.length} sleeve(s) did not write out.txt (e.g. ${missing[0]})`);
}

async function bareBatch(ws: BenchWorkspace, script: string, batch: number, concurrency: number, flags: (runDir: string) => string[]): Promise<Sample> {
  const dirs = Array.from({ length: batch }, (_, i) => ws.runDir(`bare-${String(i).padStart(3, '0')}`));
  const argv = dirs.map(flags);
  const { ms, results } = await pool(batch, concurrency, (i) => runBareNode(ws, script, dirs[i] as string, argv[i] as string[]));
  checkOutputs(dirs, `bare node ${argv[0]?.[0] ?? ''}`.trim());
  return { perSleeveMs: ms / batch, batchMs: ms, processMedianMs: median(results.map((r) => r.ms)) };
}

async function cliBatch(ws: BenchWorkspace, entry: string, batch: number, concurrency: number, extraArgs: readonly string[] = []): Promise<Sample> {
  const names = Array.from({ length: batch }, (_, i) => [`s${String(i).padStart(3, '0')}`, entry] as const);
  const run = await runCli(ws, names, concurrency, extraArgs);
  checkOutputs(
    run.sleeves.map((s) => s.runDir),
    `sleeve-sandbox run ${entry}`,
  );
  return { perSleeveMs: run.ms / batch, batchMs: run.ms, sleeveMedianMs: median(run.sleeves.map((s) => s.durationMs)) };
}

export async function benchStartup(options: StartupBenchOptions = {}): Promise<SectionReport> {
  const batch = options.batch ?? 32;
  const concurrency = options.concurrency ?? 2;
  const reps = options.reps ?? 5;
  const progress = options.progress ?? (() => {});
  const permFlag = nodePermissionFlag();
  const ws = createBenchWorkspace({ files: 20, dirs: 2 });
  try {
    const jsEntry = ws.sleeve('trivial.js', TRIVIAL_JS);
    const tsEntry = ws.sleeve('trivial.ts', TRIVIAL_TS);
    const permArgs = (runDir: string) => nodePermissionArgs([ws.root], [runDir]) ?? [];
    const run: Record<Variant, (n: number) => Promise<Sample>> = {
      bare: (n) => bareBatch(ws, jsEntry, n, concurrency, () => []),
      perm: (n) => bareBatch(ws, jsEntry, n, concurrency, permArgs),
      js: (n) => cliBatch(ws, jsEntry, n, concurrency),
      ts: (n) => cliBatch(ws, tsEntry, n, concurrency),
      jsNoAudit: (n) => cliBatch(ws, jsEntry, n, concurrency, ['--no-audit']),
    };
    const variants: Variant[] = ['bare', 'js', 'ts'];
    if (permFlag) variants.push('perm');
    if (cliHasOption('--no-audit')) variants.push('jsNoAudit');

    progress(`startup: warming up (one small batch of each) ...`);
    for (const v of variants) {
      await run[v](Math.min(batch, 2));
      ws.clearRuns();
    }
    const samples: Record<Variant, Sample[]> = { bare: [], perm: [], js: [], ts: [], jsNoAudit: [] };
    for (let rep = 0; rep < reps; rep++) {
      const order = alternate(variants, rep);
      progress(`startup: repetition ${rep + 1}/${reps}: ${order.join(', ')} (${batch} sleeves each, concurrency ${concurrency}) ...`);
      for (const v of order) {
        samples[v].push(await run[v](batch));
        ws.clearRuns();
      }
    }

    const per = (v: Variant) => median(samples[v].map((s) => s.perSleeveMs));
    const paired = (v: Variant) => median(samples[v].map((s, i) => s.perSleeveMs / (samples.bare[i] as Sample).perSleeveMs));
    const m = {
      bare: per('bare'),
      js: per('js'),
      ts: per('ts'),
      perm: permFlag ? per('perm') : Number.NaN,
      jsNoAudit: variants.includes('jsNoAudit') ? per('jsNoAudit') : Number.NaN,
    };
    const ratios = {
      js: paired('js'),
      ts: paired('ts'),
      perm: permFlag ? paired('perm') : Number.NaN,
      jsNoAudit: variants.includes('jsNoAudit') ? paired('jsNoAudit') : Number.NaN,
    };
    const pass = { js: ratios.js <= STARTUP_TARGETS.js, ts: ratios.ts <= STARTUP_TARGETS.ts };
    const inner = {
      bareProcessMs: median(samples.bare.map((s) => s.processMedianMs as number)),
      permProcessMs: permFlag ? median(samples.perm.map((s) => s.processMedianMs as number)) : Number.NaN,
      jsSleeveMs: median(samples.js.map((s) => s.sleeveMedianMs as number)),
      tsSleeveMs: median(samples.ts.map((s) => s.sleeveMedianMs as number)),
    };
    // What the batch costs beyond its sleeves' own processes: CLI start, planning,
    // bundling, run dirs, the summary; with `concurrency` sleeves overlapping.
    const fixed = (v: 'js' | 'ts' | 'jsNoAudit') =>
      samples[v].length === 0 ? Number.NaN : median(samples[v].map((s) => s.batchMs - ((s.sleeveMedianMs as number) * batch) / concurrency));

    const lines = [
      `startup: trivial sleeve, batches of ${batch} at concurrency ${concurrency}, policy "strict", median of ${reps} reps`,
      valueLine('bare node sleeve.js (baseline)', fmtMs(m.bare), `per sleeve (batch wall / ${batch})`),
      valueLine('sleeve-sandbox run, .js sleeve', fmtMs(m.js), `per sleeve, one CLI invocation per batch`),
      valueLine('sleeve-sandbox run, .ts sleeve', fmtMs(m.ts), 'per sleeve'),
      ratioTargetLine('.js sandboxed / bare node', ratios.js, STARTUP_TARGETS.js),
      ratioTargetLine('.ts sandboxed / bare node (.js)', ratios.ts, STARTUP_TARGETS.ts),
      '  info:',
      permFlag
        ? valueLine(
            `bare node ${permFlag}`,
            fmtMs(m.perm),
            `per sleeve, --allow-fs-read=<workspace> --allow-fs-write=<run dir>: ${ratios.perm.toFixed(3)}x bare`,
          )
        : '  node permission model: not available on this node',
      valueLine('one bare node process (spawn to close)', fmtMs(inner.bareProcessMs), permFlag ? `with ${permFlag}: ${fmtMs(inner.permProcessMs)}` : ''),
      valueLine('one sandboxed sleeve (runner durationMs)', fmtMs(inner.jsSleeveMs), `.ts: ${fmtMs(inner.tsSleeveMs)}`),
      valueLine('runner fixed cost per batch (.js)', fmtMs(fixed('js')), `batch wall - ${batch} x sleeve / ${concurrency}; .ts: ${fmtMs(fixed('ts'))}`),
      variants.includes('jsNoAudit')
        ? valueLine(
            'sleeve-sandbox run --no-audit, .js',
            fmtMs(m.jsNoAudit),
            `per sleeve: ${ratios.jsNoAudit.toFixed(3)}x bare; fixed cost per batch ${fmtMs(fixed('jsNoAudit'))}`,
          )
        : '  (this CLI has no --no-audit)',
    ];
    return {
      name: 'startup',
      lines,
      json: {
        policy: 'strict',
        batch,
        concurrency,
        reps,
        permissionFlag: permFlag,
        perSleeveMs: m,
        ratios,
        targets: STARTUP_TARGETS,
        pass,
        processMs: inner,
        runnerFixedMsPerBatch: { js: fixed('js'), ts: fixed('ts'), jsNoAudit: fixed('jsNoAudit') },
        samples,
      },
    };
  } finally {
    ws.remove();
  }
}
