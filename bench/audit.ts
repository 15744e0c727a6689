/**
 * Benchmark section "audit": what the auditor of `sleeve-sandbox run` costs on
 * a large lakehouse (100,000 small files in 1,000 directories by default).
 *
 * A batch of 4 trivial sleeves (a .mjs that writes one file into its run dir)
 * runs through the real CLI, side by side in the same run, alternating the
 * order, median of `reps` repetitions:
 *   (a) `--no-audit` (the baseline),
 *   (b) auditing with `--no-hash`,
 *   (c) auditing with hashing (info only).
 * Each runner process is started through a small wrapper that imports the
 * real bin/sleeve-sandbox.js in-process and writes, at exit,
 * `process.resourceUsage().maxRSS` (RUSAGE_SELF: the runner alone, not its
 * sleeves) and the most inotify watches it held (sampled from
 * /proc/self/fdinfo every 100 ms, in every variant alike). `/usr/bin/time -v`,
 * when present, adds the peak RSS of the process tree as a cross-check.
 *
 * Targets: (b) - (a) <= 3 s of wall time; (b) - (a) <= 150 MiB of runner peak RSS.
 *
 * For context, the baseline the auditor's watcher beats: a naive
 * `chokidar.watch(lakehouse, { ignoreInitial: true })` in its own process
 * (time to 'ready', peak RSS, inotify watches). And a profile of the
 * auditor's phases (scan, watcher ready, diff, close, hashing scan) in its own
 * process, with the memory each phase leaves behind.
 *
 * Run alone: `node dist/bench/audit.js [--reps N] [--files N] [--json]`.
 *
 * The auditor's cost when a sleeve makes 100,000 allowed changes (its
 * accounting, its watcher under load) is the section "audit-changes"
 * (bench/audit-changes.ts), timed in-process against the same workspace with
 * no changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type SectionReport, median } from './policy-decide.js';

export interface AuditBenchOptions {
  /** Repetitions of each variant (medians are reported; default 3). */
  reps?: number;
  /** Files in the lakehouse (default 100,000). */
  files?: number;
  /** Files per directory (default 100, so 1,000 directories). */
  filesPerDir?: number;
  /** Sleeves per batch (default 4). */
  sleeves?: number;
  /** Run the naive chokidar baseline (default true). */
  naive?: boolean;
  /** Run the in-process profile of the auditor's phases (default true). */
  profile?: boolean;
  /**
   * Wall-time budget of the whole section in seconds (default 180): when the
   * next repetition would not fit (with time kept for the naive baseline, the
   * profile and the cleanup), the repetitions stop early and the output says so.
   */
  budgetSeconds?: number;
  progress?: (message: string) => void;
}

export const AUDIT_TARGETS = Object.freeze({ addedSeconds: 3, addedMiB: 150 });

/** The real CLI and the compiled auditor modules, from dist/bench/audit.js. */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(REPO, 'bin', 'sleeve-sandbox.js');
const SCAN_JS = path.join(REPO, 'dist', 'runner', 'audit', 'scan.js');
const WATCH_JS = path.join(REPO, 'dist', 'runner', 'audit', 'watch.js');
const GNU_TIME = '/usr/bin/time';
const POLL_MS = 100;

// ---------------------------------------------------------------- helper scripts

/** Source of a function counting this process's inotify watches (shared by the scripts below). */
const COUNT_INOTIFY = `
function countInotify() {
  let n = 0;
  let fds;
  try { fds = fs.readdirSync('/proc/self/fdinfo'); } catch { return -1; }
  for (const fd of fds) {
    let text;
    try { text = fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'); } catch { continue; }
    for (const line of text.split('\\n')) if (line.startsWith('inotify')) n++;
  }
  return n;
}
`;

/** `node runner-wrapper.mjs <stats.json> run ...`: the real CLI in-process, with its peak RSS and inotify watches at exit. */
const RUNNER_WRAPPER = `import fs from 'node:fs';
${COUNT_INOTIFY}
const statsFile = process.argv[2];
process.argv.splice(2, 1);
let maxWatches = 0;
const timer = setInterval(() => { const n = countInotify(); if (n > maxWatches) maxWatches = n; }, ${POLL_MS});
timer.unref();
process.on('exit', () => {
  fs.writeFileSync(statsFile, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, inotify: maxWatches }));
});
await import(${JSON.stringify(pathToFileURL(CLI).href)});
`;

/** `node naive-watch.mjs <dir>`: chokidar.watch(dir, { ignoreInitial: true }) to 'ready'. */
function naiveWatchScript(chokidarUrl: string): string {
  return `import fs from 'node:fs';
import { watch } from ${JSON.stringify(chokidarUrl)};
${COUNT_INOTIFY}
const rss0 = process.memoryUsage().rss;
const start = process.hrtime.bigint();
const errors = [];
const w = watch(process.argv[2], { ignoreInitial: true });
w.on('error', (e) => { if (errors.length < 5) errors.push(String(e && e.code ? e.code : e)); });
w.on('ready', async () => {
  const readyMs = Number(process.hrtime.bigint() - start) / 1e6;
  const inotify = countInotify();
  const rssReady = process.memoryUsage().rss;
  const watched = Object.values(w.getWatched()).reduce((n, names) => n + names.length, 0);
  const t = process.hrtime.bigint();
  await w.close();
  const closeMs = Number(process.hrtime.bigint() - t) / 1e6;
  process.stdout.write(JSON.stringify({ readyMs, closeMs, inotify, watched, errors, rss0, rssReady, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');
  process.exit(0);
});
`;
}

/**
 * `node audit-profile.mjs <workspace>`: the auditor's phases, one after the
 * other, as runCommand configures them (strict policy: protect = data/lakehouse/**).
 */
function profileScript(): string {
  return `import fs from 'node:fs';
import { scanWorkspace, diffManifests } from ${JSON.stringify(pathToFileURL(SCAN_JS).href)};
import { startWatcher } from ${JSON.stringify(pathToFileURL(WATCH_JS).href)};
${COUNT_INOTIFY}
const workspace = process.argv[2];
const common = { workspace, ignore: [], excludeAbs: [workspace + '/reports'], protect: ['data/lakehouse/**'] };
const phases = [];
const mem = () => { const m = process.memoryUsage(); return { rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers }; };
const gc = () => { if (globalThis.gc) { globalThis.gc(); globalThis.gc(); } };
async function phase(name, fn) {
  const t = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  gc();
  phases.push({ name, ms, ...mem(), maxRssKiB: process.resourceUsage().maxRSS });
  return value;
}
gc();
phases.push({ name: 'start', ms: 0, ...mem(), maxRssKiB: process.resourceUsage().maxRSS });
const before = await phase('scan (no hash)', () => scanWorkspace({ ...common, hash: false }));
const protectedDirs = [...before.entries].filter(([p, rec]) => (p === 'data/lakehouse' || p.startsWith('data/lakehouse/')) && rec.startsWith('dir\\u0000')).map(([p]) => p);
const watcher = await phase('watcher start', () => startWatcher({ ...common, protectedDirs }));
await phase('watcher ready', () => watcher.ready);
const inotify = countInotify();
const after = await phase('scan again (no hash)', () => scanWorkspace({ ...common, hash: false }));
const changes = await phase('diff', () => diffManifests(before, after));
await phase('watcher close', () => watcher.close());
const hashed = await phase('scan with hash', () => scanWorkspace({ ...common, hash: true }));
process.stdout.write(JSON.stringify({ phases, inotify, entries: before.entries.size, changes: changes.length, hashed: hashed.hashed, keep: after.entries.size > 0 }) + '\\n');
`;
}

const SLEEVE = `import fs from 'node:fs';
import path from 'node:path';

fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;

// ---------------------------------------------------------------- processes

interface Proc {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    delete env.NODE_V8_COVERAGE;
    const start = process.hrtime.bigint();
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        ms: Number(process.hrtime.bigint() - start) / 1e6,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

function tail(p: Proc): string {
  return `${p.stderr}${p.stdout}`.trim().split('\n').slice(-8).join('\n    ');
}

/** GNU time with -v (its "Maximum resident set size" line), or false. */
function hasGnuTime(): boolean {
  const r = spawnSync(GNU_TIME, ['-v', process.execPath, '-e', ''], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /Maximum resident set size \(kbytes\): \d+/.test(r.stderr ?? '');
}

// ---------------------------------------------------------------- workspace

interface Tree {
  /** Temporary directory holding everything (removed at the end). */
  base: string;
  /** The workspace (real path). */
  root: string;
  lakehouse: string;
  tools: string;
  files: number;
  dirs: number;
}

function createTree(files: number, perDir: number): Tree {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-bench-audit-')));
  try {
    const root = path.join(base, 'ws');
    const lakehouse = path.join(root, 'data', 'lakehouse');
    const tools = path.join(base, 'tools');
    const dirs = Math.ceil(files / perDir);
    const dWidth = Math.max(3, String(dirs - 1).length);
    const fWidth = Math.max(3, String(perDir - 1).length);
    for (let d = 0; d < dirs; d++) {
      const dir = path.join(lakehouse, `d${String(d).padStart(dWidth, '0')}`);
      fs.mkdirSync(dir, { recursive: true });
      const n = Math.min(perDir, files - d * perDir);
      for (let f = 0; f < n; f++) {
        // ~50 bytes, different per file.
        fs.writeFileSync(
          path.join(dir, `f${String(f).padStart(fWidth, '0')}.csv`),
          `id,value,dir,file\n${d * perDir + f},${(d * 31 + f * 7) % 997},${d},${f}\n`.padEnd(49, '#') + '\n',
        );
      }
    }
    fs.mkdirSync(path.join(root, 'sleeves'));
    fs.mkdirSync(path.join(root, 'runs'));
    fs.writeFileSync(path.join(root, 'sleeves', 'touch.mjs'), SLEEVE);
    fs.mkdirSync(tools);
    fs.writeFileSync(path.join(tools, 'runner-wrapper.mjs'), RUNNER_WRAPPER);
    fs.writeFileSync(path.join(tools, 'naive-watch.mjs'), naiveWatchScript(import.meta.resolve('chokidar')));
    fs.writeFileSync(path.join(tools, 'audit-profile.mjs'), profileScript());
    return { base, root, lakehouse, tools, files, dirs };
  } catch (error) {
    fs.rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

/** Removes what the batches left (run dirs, reports): not timed. */
function clearOutputs(tree: Tree): void {
  for (const sub of ['runs', 'reports']) {
    const dir = path.join(tree.root, sub);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the CLI

type Variant = 'off' | 'nohash' | 'hash';

const VARIANT_FLAGS: Record<Variant, string[]> = { off: ['--no-audit'], nohash: ['--no-hash'], hash: [] };
const VARIANT_LABEL: Record<Variant, string> = {
  off: '(a) --no-audit (baseline)',
  nohash: '(b) audit, --no-hash',
  hash: '(c) audit, hashing (info)',
};

interface CliSample {
  ms: number;
  /** Peak RSS of the runner process alone (RUSAGE_SELF), KiB. */
  runnerKiB: number;
  /** Peak RSS of the largest process of the tree (GNU time, wait4), KiB; NaN without GNU time. */
  treeKiB: number;
  inotify: number;
  verdict: string;
  entries: number;
}

interface CliSummary {
  verdict: string;
  sleeves: Array<{ name: string; status: string; exitCode?: number | null; signal?: string | null; error?: string; logs?: { stderr: string } }>;
}

/** The first bytes of a log file, for error messages. */
function readHead(file: string | undefined): string {
  if (!file) return '(no log)';
  try {
    return JSON.stringify(fs.readFileSync(file, 'utf8').slice(0, 600));
  } catch {
    return '(unreadable)';
  }
}

async function runBatch(tree: Tree, variant: Variant, sleeves: number, gnuTime: boolean, seq: number): Promise<CliSample> {
  const stats = path.join(tree.tools, `stats-${seq}.json`);
  const timeOut = path.join(tree.tools, `time-${seq}.txt`);
  const cli = [
    path.join(tree.tools, 'runner-wrapper.mjs'),
    stats,
    'run',
    '--policy',
    'strict',
    '--workspace',
    tree.root,
    ...Array.from({ length: sleeves }, (_, i) => ['--sleeve', `s${i}=sleeves/touch.mjs`]).flat(),
    '--concurrency',
    '2',
    '--json',
    ...VARIANT_FLAGS[variant],
  ];
  const p = gnuTime
    ? await run(GNU_TIME, ['-v', '-o', timeOut, process.execPath, ...cli], tree.root, 300_000)
    : await run(process.execPath, cli, tree.root, 300_000);
  let summary: CliSummary | undefined;
  try {
    summary = JSON.parse(p.stdout) as CliSummary;
  } catch {
    summary = undefined;
  }
  const bad = summary?.sleeves.filter((s) => s.status !== 'ok') ?? [];
  // Without the audit or its hashes a clean batch is not proven: exit 4 (unaudited, partial).
  const expected = variant === 'hash' ? 0 : 4;
  if (p.code !== expected || summary === undefined || bad.length > 0 || summary.sleeves.length !== sleeves) {
    const why = bad.map((s) => `${s.name}: ${s.status}, exit ${s.exitCode ?? s.signal}${s.error ? `, ${s.error}` : ''}; stderr: ${readHead(s.logs?.stderr)}`);
    throw new Error(
      `audit bench: sleeve-sandbox run ${VARIANT_FLAGS[variant].join(' ')} exited with ${p.code ?? p.signal}:\n    ${[...why, p.stderr.trim().split('\n').slice(-6).join('\n    ')].join('\n    ')}`,
    );
  }
  const st = JSON.parse(fs.readFileSync(stats, 'utf8')) as { maxRssKiB: number; inotify: number };
  fs.rmSync(stats, { force: true });
  let treeKiB = Number.NaN;
  if (gnuTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(timeOut, 'utf8'));
    if (m) treeKiB = Number(m[1]);
    fs.rmSync(timeOut, { force: true });
  }
  const entries = Number(/\((\d+) entries/.exec(p.stderr)?.[1] ?? Number.NaN);
  return { ms: p.ms, runnerKiB: st.maxRssKiB, treeKiB, inotify: st.inotify, verdict: summary.verdict, entries };
}

// ---------------------------------------------------------------- helper runs

interface NaiveResult {
  readyMs: number;
  closeMs: number;
  inotify: number;
  watched: number;
  errors: string[];
  maxRssKiB: number;
  rss0: number;
  rssReady: number;
}

interface ProfilePhase {
  name: string;
  ms: number;
  rss: number;
  heapUsed: number;
  external: number;
  maxRssKiB: number;
}

interface ProfileResult {
  phases: ProfilePhase[];
  inotify: number;
  entries: number;
  changes: number;
  hashed: number;
}

async function runNaive(tree: Tree): Promise<NaiveResult | string> {
  const p = await run(process.execPath, [path.join(tree.tools, 'naive-watch.mjs'), tree.lakehouse], tree.base, 150_000);
  if (p.code !== 0) return `exited with ${p.code ?? p.signal}${p.signal === 'SIGKILL' ? ' (timed out after 150 s)' : ''}: ${tail(p)}`;
  return JSON.parse(p.stdout) as NaiveResult;
}

async function runProfile(tree: Tree): Promise<ProfileResult | string> {
  const p = await run(process.execPath, ['--expose-gc', path.join(tree.tools, 'audit-profile.mjs'), tree.root], tree.base, 150_000);
  if (p.code !== 0) return `exited with ${p.code ?? p.signal}: ${tail(p)}`;
  return JSON.parse(p.stdout) as ProfileResult;
}

// ---------------------------------------------------------------- reporting

const MiB = 1024 * 1024;
const kibToMiB = (kib: number) => kib / 1024;
const fmtS = (ms: number, sign = false) => (Number.isFinite(ms) ? `${sign && ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(2)} s` : 'n/a');
const fmtMiB = (m: number, sign = false) => (Number.isFinite(m) ? `${sign && m >= 0 ? '+' : ''}${m.toFixed(1)} MiB` : 'n/a');
const fmtMs = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const row = (label: string, ...cols: string[]) => `  ${label.padEnd(30)} ${cols.map((c) => c.padStart(11)).join(' ')}`;
const verdictOf = (ok: boolean) => (ok ? 'PASS' : 'MISS');

// ---------------------------------------------------------------- section

export async function auditSection(opts: AuditBenchOptions = {}): Promise<SectionReport> {
  const reps = opts.reps ?? 3;
  const files = opts.files ?? 100_000;
  const perDir = opts.filesPerDir ?? 100;
  const sleeves = opts.sleeves ?? 4;
  const budgetMs = (opts.budgetSeconds ?? 180) * 1000;
  const progress = opts.progress ?? (() => {});
  if (reps < 1 || files < 1 || perDir < 1 || sleeves < 1) throw new Error('audit bench: reps, files, filesPerDir and sleeves must be at least 1');
  const gnuTime = hasGnuTime();
  const started = process.hrtime.bigint();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1));

  progress(`audit: creating ${files} files in ${Math.ceil(files / perDir)} directories under ${os.tmpdir()} ...`);
  const genStart = process.hrtime.bigint();
  const tree = createTree(files, perDir);
  const genMs = Number(process.hrtime.bigint() - genStart) / 1e6;
  try {
    const variants: Variant[] = ['off', 'nohash', 'hash'];
    let seq = 0;
    progress('audit: warming up (one --no-audit batch) ...');
    await runBatch(tree, 'off', sleeves, gnuTime, seq++);
    clearOutputs(tree);

    const samples: Record<Variant, CliSample[]> = { off: [], nohash: [], hash: [] };
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    let repsDone = 0;
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? variants : [...variants].reverse();
      progress(`audit: repetition ${rep + 1}/${reps}: ${order.join(', ')} ...`);
      const repStart = elapsedMs();
      for (const v of order) {
        samples[v].push(await runBatch(tree, v, sleeves, gnuTime, seq++));
        clearOutputs(tree);
      }
      repsDone++;
      // Kept for what follows: the naive watch and the profile each take about
      // one audited batch or more, the cleanup a few seconds.
      const repMs = elapsedMs() - repStart;
      const reserveMs = 3 * median(samples.nohash.map((x) => x.ms)) + 10_000;
      if (rep + 1 < reps && elapsedMs() + repMs + reserveMs > budgetMs) {
        progress(`audit: stopping after ${repsDone} repetition(s) to stay within ${budgetMs / 1000} s`);
        break;
      }
    }

    let naive: NaiveResult | string | undefined;
    if (opts.naive !== false) {
      progress('audit: naive chokidar.watch(lakehouse) baseline ...');
      naive = await runNaive(tree);
    }
    let profile: ProfileResult | string | undefined;
    if (opts.profile !== false) {
      progress('audit: profiling the auditor phases in-process ...');
      profile = await runProfile(tree);
    }

    // Paired figures: per repetition, then the median (drifts of the machine cancel out).
    const med = (v: Variant, k: keyof CliSample) => median(samples[v].map((s) => s[k] as number));
    const paired = (v: Variant, f: (x: CliSample, base: CliSample) => number) => median(samples[v].map((s, i) => f(s, samples.off[i] as CliSample)));
    const wall = { off: med('off', 'ms'), nohash: med('nohash', 'ms'), hash: med('hash', 'ms') };
    const addedMs = { nohash: paired('nohash', (x, b) => x.ms - b.ms), hash: paired('hash', (x, b) => x.ms - b.ms) };
    const ratio = { nohash: paired('nohash', (x, b) => x.ms / b.ms), hash: paired('hash', (x, b) => x.ms / b.ms) };
    const runnerMiB = { off: kibToMiB(med('off', 'runnerKiB')), nohash: kibToMiB(med('nohash', 'runnerKiB')), hash: kibToMiB(med('hash', 'runnerKiB')) };
    const addedMiB = {
      nohash: kibToMiB(paired('nohash', (x, b) => x.runnerKiB - b.runnerKiB)),
      hash: kibToMiB(paired('hash', (x, b) => x.runnerKiB - b.runnerKiB)),
    };
    const treeMiB = { off: kibToMiB(med('off', 'treeKiB')), nohash: kibToMiB(med('nohash', 'treeKiB')), hash: kibToMiB(med('hash', 'treeKiB')) };
    const inotify = { off: med('off', 'inotify'), nohash: med('nohash', 'inotify'), hash: med('hash', 'inotify') };
    const pass = { seconds: addedMs.nohash / 1000 <= AUDIT_TARGETS.addedSeconds, memory: addedMiB.nohash <= AUDIT_TARGETS.addedMiB };
    const problems: string[] = [];
    for (const v of ['nohash', 'hash'] as const) {
      for (const s of samples[v]) if (s.verdict !== 'clean') problems.push(`${VARIANT_LABEL[v]}: verdict ${s.verdict} (expected clean)`);
    }
    const entries = median(samples.nohash.map((s) => s.entries));
    if (!(entries >= files)) problems.push(`the audit reported ${entries} entries, fewer than the ${files} files`);
    if (typeof naive === 'string') problems.push(`naive chokidar watch ${naive}`);
    else if (naive && naive.errors.length > 0) problems.push(`naive chokidar watch errors: ${naive.errors.join(', ')}`);
    if (typeof profile === 'string') problems.push(`profile ${profile}`);

    const lines = [
      `audit: ${sleeves} trivial sleeves per batch through the CLI (policy strict, concurrency 2), lakehouse of ${files} files in ${tree.dirs} dirs; median of ${repsDone} reps, order alternating${repsDone < reps ? ` (REDUCED from ${reps} to stay within the ${budgetMs / 1000} s budget)` : repsDone < 3 ? ' (reps reduced by --reps)' : ''} (generation ${(genMs / 1000).toFixed(1)} s, not measured)`,
      `  runner peak RSS = process.resourceUsage().maxRSS of the runner process (in-process wrapper around bin/sleeve-sandbox.js)${gnuTime ? '; tree = GNU time -v (largest process incl. sleeves)' : ''}`,
      row('', 'wall', 'added', 'ratio', 'runner RSS', 'added RSS', ...(gnuTime ? ['tree RSS'] : []), 'inotify'),
      ...variants.map((v) =>
        row(
          VARIANT_LABEL[v],
          fmtS(wall[v]),
          v === 'off' ? '' : fmtS(addedMs[v], true),
          v === 'off' ? '' : `${ratio[v].toFixed(2)}x`,
          fmtMiB(runnerMiB[v]),
          v === 'off' ? '' : fmtMiB(addedMiB[v], true),
          ...(gnuTime ? [fmtMiB(treeMiB[v])] : []),
          String(inotify[v]),
        ),
      ),
      `  ${'audit (no hash) adds, wall'.padEnd(40)} ${fmtS(addedMs.nohash, true).padStart(10)}   (target <= +${AUDIT_TARGETS.addedSeconds} s)  ${verdictOf(pass.seconds)}   ratio ${ratio.nohash.toFixed(2)}x`,
      `  ${'audit (no hash) adds, runner peak RSS'.padEnd(40)} ${fmtMiB(addedMiB.nohash, true).padStart(10)}   (target <= +${AUDIT_TARGETS.addedMiB} MiB)  ${verdictOf(pass.memory)}`,
      '  info:',
    ];
    if (naive !== undefined && typeof naive !== 'string') {
      lines.push(
        `  naive chokidar.watch(lakehouse, { ignoreInitial: true }), own process: ready in ${fmtS(naive.readyMs)}, peak RSS ${fmtMiB(kibToMiB(naive.maxRssKiB))} ` +
          `(+${fmtMiB((naive.rssReady - naive.rss0) / MiB)} over an idle node), ${naive.inotify} inotify watches, ${naive.watched} entries tracked`,
        `  the auditor's watcher (in the runner): ${inotify.nohash} inotify watches; ` +
          `${Number.isFinite(naive.inotify / inotify.nohash) ? `${(naive.inotify / inotify.nohash).toFixed(0)}x fewer than naive` : ''}`,
      );
    }
    if (profile !== undefined && typeof profile !== 'string') {
      lines.push(
        `  profile of the auditor's phases, one process (${profile.entries} entries, ${profile.hashed} hashed, ${profile.inotify} inotify watches after ready; RSS and heap after a GC):`,
      );
      lines.push(row('  phase', 'time', 'RSS', 'heap used', 'external', 'peak RSS'));
      for (const ph of profile.phases) {
        lines.push(
          row(
            `  ${ph.name}`,
            ph.name === 'start' ? '' : fmtMs(ph.ms),
            fmtMiB(ph.rss / MiB),
            fmtMiB(ph.heapUsed / MiB),
            fmtMiB(ph.external / MiB),
            fmtMiB(kibToMiB(ph.maxRssKiB)),
          ),
        );
      }
    }
    lines.push(...problems.map((p) => `  WARNING: ${p}`));
    progress('audit: removing the workspace ...');
    const rmStart = process.hrtime.bigint();
    fs.rmSync(tree.base, { recursive: true, force: true });
    const cleanupMs = Number(process.hrtime.bigint() - rmStart) / 1e6;
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    const load = os.loadavg().map((l) => l.toFixed(1));
    lines.push(
      `  (section took ${(totalMs / 1000).toFixed(0)} s incl. ${(cleanupMs / 1000).toFixed(0)} s cleanup; load average at start ${loadAtStart.join('/')}, at end ${load.join('/')} on ${os.availableParallelism()} CPUs)`,
    );

    return {
      name: 'audit',
      lines,
      json: {
        files,
        dirs: tree.dirs,
        sleeves,
        reps: repsDone,
        repsRequested: reps,
        generationMs: genMs,
        gnuTime,
        wallMs: wall,
        addedMs,
        ratio,
        runnerPeakRssMiB: runnerMiB,
        addedRssMiB: addedMiB,
        treePeakRssMiB: treeMiB,
        inotifyWatches: inotify,
        targets: AUDIT_TARGETS,
        pass,
        samples,
        naive: naive ?? null,
        profile: profile ?? null,
        problems,
        cleanupMs,
        loadAverage: { start: loadAtStart.map(Number), end: load.map(Number) },
        totalMs,
      },
    };
  } finally {
    fs.rmSync(tree.base, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- alone

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const options: AuditBenchOptions = { progress: (m) => process.stderr.write(`# ${m}\n`) };
  const json = argv.includes('--json');
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--reps' || flag === '--files') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) {
        process.stderr.write(`audit bench: ${flag} expects a positive whole number\n`);
        process.exit(2);
      }
      if (flag === '--reps') options.reps = n;
      else options.files = n;
    }
  }
  auditSection(options).then(
    (report) => {
      const out = json ? process.stderr : process.stdout;
      for (const line of report.lines) out.write(`${line}\n`);
      if (json) process.stdout.write(`${JSON.stringify(report.json)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`audit bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
