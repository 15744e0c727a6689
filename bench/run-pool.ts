/**
 * Benchmark section "pool": the pre-warmed pool (runner/batch/pool.ts) against
 * bare `node`, side by side, on whatever Node runs the bench (run it under
 * Node 20, 22 and 24 for the three figures).
 *
 * - Batch wall of 32 trivial sleeves through the real CLI at concurrency 1
 *   and 2, against 32 bare `node sleeve.js` started by `xargs -P <c>` (the
 *   shell way to run a batch). Targets: <= 1.0x at concurrency 1, <= 1.5x at 2
 *   (two cores: a fresh process per sleeve has a floor near 1.4x there).
 *   The CLI's run includes its own start, bundling and the auditor, once per
 *   batch. Pooled with `--warm <c>`, and `--warm 0` (every sleeve spawned at
 *   its turn, the default where no core is idle) alongside.
 * - Start latency from "go": the median over the batch of audit.json's
 *   `start.latencyMs` (go to the sandbox saying ready, right before sleeve
 *   code) for sleeves that were warm, against one bare `node` process (spawn
 *   to close). Target <= 0.5x.
 * - A TypeScript sleeve against the same JavaScript one (concurrency 1,
 *   pooled). Target <= 1.1x.
 * - The OS layer per sleeve (concurrency 1): batch wall with
 *   `--os-layer required` minus without, / 32, spawned at its turn (target
 *   <= +10 ms) and pooled (target ~0).
 *
 * The machine's NODE_EXTRA_CA_CERTS (which costs every node start ~30 ms
 * here) is removed from every side. Ratios are medians of per-repetition
 * ratios; the variants alternate order between repetitions.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type SectionReport, median } from './policy-decide.js';
import { CLI, POLICY, type BenchWorkspace, alternate, createBenchWorkspace, fmtMs, ratioTargetLine, runProcess, valueLine } from './workspace.js';
import { probeOsLayer } from '../runner/batch/os-layer.js';
import { TRIVIAL_JS, TRIVIAL_TS } from './run-startup.js';

export interface PoolBenchOptions {
  batch?: number;
  reps?: number;
  progress?: (message: string) => void;
}

export const POOL_TARGETS = Object.freeze({ c1: 1.0, c2: 1.5, latency: 0.5, ts: 1.1, osColdMs: 10, osWarmMs: 2 });

interface Sample {
  ms: number;
  /** CLI: medians over the batch of start.latencyMs (warm sleeves) and durationMs; bare: process spawn to close. */
  latencyMs?: number;
  sleeveMs?: number;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['NODE_OPTIONS', 'NODE_V8_COVERAGE', 'NODE_EXTRA_CA_CERTS']) delete env[k];
  return env;
}

/** 32 bare node processes through `xargs -P c`, each with its run dir in SLEEVE_RUN_DIR. */
async function bareXargs(ws: BenchWorkspace, script: string, batch: number, c: number): Promise<Sample> {
  const dirs = Array.from({ length: batch }, (_, i) => ws.runDir(`bare-${String(i).padStart(3, '0')}`));
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('xargs', ['-P', String(c), '-I{}', 'env', 'SLEEVE_RUN_DIR={}', process.execPath, script], {
      cwd: ws.root,
      env: cleanEnv(),
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`xargs exited with ${code}`))));
    child.stdin.end(`${dirs.join('\n')}\n`);
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const missing = dirs.filter((d) => !fs.existsSync(path.join(d, 'out.txt')));
  if (missing.length > 0) throw new Error(`bare node: ${missing.length} sleeve(s) wrote nothing`);
  return { ms };
}

/** One bare node process, spawn to close (what a sleeve's start is compared with). */
async function bareOne(ws: BenchWorkspace, script: string): Promise<Sample> {
  const dir = ws.runDir('bare-one');
  const r = await runProcess(process.execPath, [script], { cwd: ws.root, env: { ...cleanEnv(), SLEEVE_RUN_DIR: dir } });
  if (r.code !== 0) throw new Error(`bare node exited with ${r.code}: ${r.stderr}`);
  return { ms: r.ms, latencyMs: r.ms };
}

interface ReportSleeve {
  status: string;
  durationMs: number;
  start?: { warmMs: number; latencyMs: number | null };
}

async function cliBatch(ws: BenchWorkspace, entry: string, batch: number, c: number, extra: readonly string[], policy = POLICY): Promise<Sample> {
  const args = [CLI, 'run', '--policy', policy, '--workspace', ws.root, '--concurrency', String(c), '--json'];
  for (let i = 0; i < batch; i++) args.push('--sleeve', `s${String(i).padStart(3, '0')}=${entry}`);
  if (!extra.includes('--os-layer')) args.push('--os-layer', 'off');
  args.push(...extra);
  const r = await runProcess(process.execPath, args, { cwd: ws.root, env: cleanEnv() });
  if (r.code !== 0) throw new Error(`sleeve-sandbox run exited with ${r.code}: ${r.stderr.slice(-2000)}`);
  const summary = JSON.parse(r.stdout) as { reports: { json: string } };
  const report = JSON.parse(fs.readFileSync(summary.reports.json, 'utf8')) as { verdict: string; sleeves: ReportSleeve[] };
  if (report.verdict !== 'clean') throw new Error(`sleeve-sandbox run: verdict ${report.verdict}`);
  const bad = report.sleeves.filter((s) => s.status !== 'ok');
  if (bad.length > 0) throw new Error(`sleeve-sandbox run: ${bad.length} sleeve(s) not ok`);
  // Warm: set up before its "go" (its process waited at least as long as its start then took).
  const warm = report.sleeves.filter((s) => s.start && s.start.latencyMs !== null && s.start.warmMs > s.start.latencyMs);
  return {
    ms: r.ms,
    latencyMs: warm.length > 0 ? median(warm.map((s) => s.start?.latencyMs as number)) : Number.NaN,
    sleeveMs: median(report.sleeves.map((s) => s.durationMs)),
  };
}

type Variant = 'bare1' | 'bare2' | 'bareOne' | 'c1' | 'c2' | 'c1cold' | 'c2cold' | 'ts1' | 'os1' | 'os1cold' | 'c1nomem';

/** strict without its heap limit: what --max-old-space-size costs a pooled sleeve (V8's flag hash and Node's code cache). */
function writeNoHeapLimitPolicy(ws: BenchWorkspace): string {
  const strict = JSON.parse(fs.readFileSync(new URL('../../policies/strict.json', import.meta.url), 'utf8')) as {
    name: string;
    resources?: { memoryMiB?: number };
  };
  strict.name = 'strict-no-heap-limit';
  delete strict.resources?.memoryMiB;
  fs.mkdirSync(path.join(ws.root, 'policies'), { recursive: true });
  fs.writeFileSync(path.join(ws.root, 'policies', 'strict-no-heap-limit.json'), JSON.stringify(strict, null, 2));
  return strict.name;
}

export async function benchPool(options: PoolBenchOptions = {}): Promise<SectionReport> {
  const batch = options.batch ?? 32;
  const reps = options.reps ?? 5;
  const progress = options.progress ?? (() => {});
  const os = probeOsLayer();
  const ws = createBenchWorkspace({ files: 20, dirs: 2 });
  try {
    const js = ws.sleeve('trivial.js', TRIVIAL_JS);
    const ts = ws.sleeve('trivial.ts', TRIVIAL_TS);
    const jsAbs = path.join(ws.root, js);
    const noHeapLimit = writeNoHeapLimitPolicy(ws);
    const run: Record<Variant, () => Promise<Sample>> = {
      bare1: () => bareXargs(ws, jsAbs, batch, 1),
      bare2: () => bareXargs(ws, jsAbs, batch, 2),
      bareOne: () => bareOne(ws, jsAbs),
      c1: () => cliBatch(ws, js, batch, 1, ['--warm', '1']),
      c2: () => cliBatch(ws, js, batch, 2, ['--warm', '2']),
      c1cold: () => cliBatch(ws, js, batch, 1, ['--warm', '0']),
      c2cold: () => cliBatch(ws, js, batch, 2, ['--warm', '0']),
      ts1: () => cliBatch(ws, ts, batch, 1, ['--warm', '1']),
      os1: () => cliBatch(ws, js, batch, 1, ['--os-layer', 'required', '--warm', '1']),
      os1cold: () => cliBatch(ws, js, batch, 1, ['--os-layer', 'required', '--warm', '0']),
      c1nomem: () => cliBatch(ws, js, batch, 1, ['--warm', '1'], noHeapLimit),
    };
    const variants: Variant[] = ['bare1', 'bare2', 'bareOne', 'c1', 'c2', 'c1cold', 'c2cold', 'ts1', 'c1nomem'];
    if (os.available) variants.push('os1', 'os1cold');
    progress('pool: warming up (one batch of each) ...');
    for (const v of variants) {
      await run[v]();
      ws.clearRuns();
    }
    const samples = Object.fromEntries(variants.map((v) => [v, [] as Sample[]])) as Record<Variant, Sample[]>;
    for (let rep = 0; rep < reps; rep++) {
      const order = alternate(variants, rep);
      progress(`pool: repetition ${rep + 1}/${reps} (${batch} sleeves per batch) ...`);
      for (const v of order) {
        samples[v].push(await run[v]());
        ws.clearRuns();
      }
    }
    const ms = (v: Variant) => median(samples[v].map((s) => s.ms));
    const paired = (a: Variant, b: Variant) => median(samples[a].map((s, i) => s.ms / (samples[b][i] as Sample).ms));
    const perSleeveDelta = (a: Variant, b: Variant) => median(samples[a].map((s, i) => (s.ms - (samples[b][i] as Sample).ms) / batch));
    const latencyOf = (v: Variant) => median(samples[v].map((s) => s.latencyMs as number).filter((x) => Number.isFinite(x)));
    const latency = latencyOf('c1');
    const bareStart = ms('bareOne');
    const ratios = {
      c1: paired('c1', 'bare1'),
      c2: paired('c2', 'bare2'),
      c1cold: paired('c1cold', 'bare1'),
      c2cold: paired('c2cold', 'bare2'),
      latency: latency / bareStart,
      ts: paired('ts1', 'c1'),
    };
    const sleeveOf = (v: Variant) => median(samples[v].map((s) => s.sleeveMs as number).filter((x) => Number.isFinite(x)));
    // Per sleeve rather than per batch: one sleeve's spawn-to-close (spawned at its turn) and a warm sleeve's start
    // latency from "go", with the layer minus without, medians over every sleeve of every repetition.
    const osMs = os.available
      ? {
          cold: perSleeveDelta('os1cold', 'c1cold'),
          warm: perSleeveDelta('os1', 'c1'),
          sleeveCold: sleeveOf('os1cold') - sleeveOf('c1cold'),
          latencyWarm: latencyOf('os1') - latency,
        }
      : undefined;
    const pass = {
      c1: ratios.c1 <= POOL_TARGETS.c1,
      c2: ratios.c2 <= POOL_TARGETS.c2,
      latency: ratios.latency <= POOL_TARGETS.latency,
      ts: ratios.ts <= POOL_TARGETS.ts,
      ...(osMs ? { osCold: osMs.cold <= POOL_TARGETS.osColdMs, osWarm: osMs.warm <= POOL_TARGETS.osWarmMs } : {}),
    };
    const lines = [
      `pool: node ${process.version}, ${batch} trivial sleeves per batch, policy "${POLICY}", median of ${reps} reps`,
      valueLine('bare node via xargs -P 1', fmtMs(ms('bare1')), `batch wall; -P 2: ${fmtMs(ms('bare2'))}`),
      valueLine('sleeve-sandbox run -c 1 (--warm 1)', fmtMs(ms('c1')), `batch wall; --warm 0: ${fmtMs(ms('c1cold'))} (${ratios.c1cold.toFixed(2)}x bare)`),
      ratioTargetLine('batch -c 1 / xargs -P 1', ratios.c1, POOL_TARGETS.c1),
      valueLine('sleeve-sandbox run -c 2 (--warm 2)', fmtMs(ms('c2')), `batch wall; --warm 0: ${fmtMs(ms('c2cold'))} (${ratios.c2cold.toFixed(2)}x bare)`),
      ratioTargetLine('batch -c 2 / xargs -P 2', ratios.c2, POOL_TARGETS.c2),
      valueLine('start latency from "go" (warm)', fmtMs(latency), `bare node process spawn to close: ${fmtMs(bareStart)}`),
      ratioTargetLine('start latency / bare node', ratios.latency, POOL_TARGETS.latency),
      valueLine('.ts sleeve batch -c 1', fmtMs(ms('ts1')), ''),
      ratioTargetLine('.ts / .js', ratios.ts, POOL_TARGETS.ts),
      osMs
        ? valueLine(
            'OS layer per sleeve (-c 1)',
            `+${fmtMs(osMs.cold)}`,
            `spawned at its turn (target <= +${POOL_TARGETS.osColdMs} ms); pooled: +${fmtMs(osMs.warm)} (target ~0)`,
          )
        : `  OS layer: not available here (${os.available ? '' : os.reason})`,
      ...(osMs
        ? [
            valueLine(
              'OS layer, one sleeve',
              `+${fmtMs(osMs.sleeveCold)}`,
              `spawn to close, spawned at its turn (${fmtMs(sleeveOf('os1cold'))} vs ${fmtMs(sleeveOf('c1cold'))}); pooled, start latency from "go": +${fmtMs(osMs.latencyWarm)} (${fmtMs(latencyOf('os1'))} vs ${fmtMs(latency)})`,
            ),
          ]
        : []),
      valueLine(
        'without the heap limit flag (-c 1)',
        fmtMs(ms('c1nomem')),
        `batch wall; start latency ${fmtMs(latencyOf('c1nomem'))}: --max-old-space-size costs ${fmtMs(perSleeveDelta('c1', 'c1nomem'))} per sleeve`,
      ),
      valueLine('one sandboxed sleeve (durationMs, from go)', fmtMs(median(samples.c1.map((s) => s.sleeveMs as number))), '-c 1, pooled'),
    ];
    return {
      name: 'pool',
      lines,
      json: {
        node: process.version,
        batch,
        reps,
        targets: POOL_TARGETS,
        ratios,
        pass,
        batchMs: Object.fromEntries(variants.map((v) => [v, ms(v)])),
        latencyMs: latency,
        latencyNoHeapLimitMs: latencyOf('c1nomem'),
        bareStartMs: bareStart,
        osLayerPerSleeveMs: osMs ?? null,
        samples,
      },
    };
  } finally {
    ws.remove();
  }
}
