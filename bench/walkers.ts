/**
 * Benchmark section "walkers": the auditor's own walker (runner/audit/scan.ts)
 * against fast-glob and fdir, side by side on the same tree (50,000 files in
 * 500 directories by default, plus a symlink to a directory, a dangling
 * symlink and a FIFO), median of `reps` repetitions, order alternating.
 *
 * What is compared is the part a library could replace: listing every entry
 * with its lstat. The auditor needs the BigInt lstat (nanosecond times, inode
 * numbers past 2^53, birth time), which neither library returns (fast-glob's
 * `stats: true` is the Number lstat; fdir has no stats), so every variant that
 * keeps the auditor's guarantees lists with the library and then lstats each
 * entry with { bigint: true }, as the walker does. fast-glob's own stats are
 * timed too, for the record, as "not enough" (millisecond times).
 *
 * Each variant's result is checked against the walker's: the same entries,
 * the symlinked directory listed but not entered, the FIFO and the dangling
 * link listed. A variant that lists something else is reported as such.
 *
 * fast-glob and fdir are not dependencies of sleeve-sandbox (this section is
 * why): the section loads them from the project's node_modules or from the
 * directory named by SLEEVE_BENCH_MODULES (`npm install --prefix DIR
 * fast-glob fdir`), and says so when they are missing.
 *
 * Run alone: `node dist/bench/run.js walkers [--reps N] [--files N]`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, scanWorkspace } from '../runner/audit/scan.js';
import type { FileAttrs } from '../runner/audit/schema.js';
import { type SectionReport, median } from './policy-decide.js';
import { alternate, fmtMs, valueLine } from './workspace.js';

export interface WalkersBenchOptions {
  files?: number;
  filesPerDir?: number;
  reps?: number;
  progress?: (message: string) => void;
}

type Lister = (root: string) => string[] | Promise<string[]>;

interface FastGlob {
  sync(pattern: string, opts: Record<string, unknown>): Array<string | { path: string; stats?: fs.Stats }>;
  (pattern: string, opts: Record<string, unknown>): Promise<Array<string | { path: string; stats?: fs.Stats }>>;
}
interface FdirBuilder {
  withRelativePaths(): FdirBuilder;
  withDirs(): FdirBuilder;
  withErrors(): FdirBuilder;
  crawl(root: string): { sync(): string[]; withPromise(): Promise<string[]> };
}
interface Fdir {
  fdir: new () => FdirBuilder;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A module from the project, or from SLEEVE_BENCH_MODULES; undefined when neither has it. */
function load<T>(name: string): { mod: T; version: string } | undefined {
  const places = [REPO, process.env.SLEEVE_BENCH_MODULES].filter((p): p is string => !!p);
  for (const dir of places) {
    const req = createRequire(path.join(dir, 'package.json'));
    try {
      const mod = req(name) as T;
      const pkg = req(`${name}/package.json`) as { version: string };
      return { mod, version: pkg.version };
    } catch {
      // not there
    }
  }
  return undefined;
}

function makeTree(files: number, perDir: number): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-bench-walk-')));
  const dirs = Math.max(1, Math.ceil(files / perDir));
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, 'data', 'lakehouse', `t${String(d % 10)}`, `part_${String(d).padStart(4, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perDir && d * perDir + i < files; i++) fs.writeFileSync(path.join(dir, `f${i}.csv`), 'date,close\n');
  }
  fs.mkdirSync(path.join(root, 'runs'));
  fs.symlinkSync(path.join(root, 'data'), path.join(root, 'runs', 'loop')); // a directory symlink: listed, never entered
  fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'runs', 'dangling'));
  spawnSync('mkfifo', [path.join(root, 'runs', 'fifo')]); // an "other" entry, where mkfifo exists
  return root;
}

/**
 * Workspace-relative path -> the record the walker keeps, built the walker's
 * way (BigInt lstat, symlink target, encode): the same work per entry, so
 * only the listing differs.
 */
function statAll(root: string, rels: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of rels) {
    const abs = `${root}/${rel}`;
    const st = fs.lstatSync(abs, { bigint: true });
    const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    const attrs: FileAttrs = {
      type,
      size: String(st.size),
      mtimeNs: String(st.mtimeNs),
      ctimeNs: String(st.ctimeNs),
      ino: String(st.ino),
      mode: Number(st.mode),
      nlink: Number(st.nlink),
    };
    if (type === 'symlink') attrs.target = fs.readlinkSync(abs);
    out.set(rel, encode(attrs, { uid: Number(st.uid), gid: Number(st.gid), birthNs: String(st.birthtimeNs) }));
  }
  return out;
}

interface Variant {
  name: string;
  /** Whether the result can serve the auditor (BigInt lstat of every entry). */
  full: boolean;
  run(root: string): Promise<number>;
}

export async function benchWalkers(opts: WalkersBenchOptions = {}): Promise<SectionReport> {
  const files = opts.files ?? 50_000;
  const perDir = opts.filesPerDir ?? 100;
  const reps = opts.reps ?? 5;
  const say = opts.progress ?? (() => {});
  const fg = load<FastGlob>('fast-glob');
  const fd = load<Fdir>('fdir');
  say(`walkers: building ${files} files in ${Math.ceil(files / perDir)} directories`);
  const root = makeTree(files, perDir);
  try {
    const reference = scanWorkspace({ workspace: root, ignore: [], excludeAbs: [], protect: [], hash: false });
    const want = [...reference.entries.keys()].sort();
    const variants: Variant[] = [
      {
        name: 'walker (scan.ts: readdir + lstat bigint)',
        full: true,
        run: async (r) => scanWorkspace({ workspace: r, ignore: [], excludeAbs: [], protect: [], hash: false }).entries.size,
      },
      {
        name: 'node readdir recursive + lstat bigint',
        full: true,
        run: async (r) =>
          statAll(
            r,
            (fs.readdirSync(r, { recursive: true }) as string[]).filter((p) => !p.startsWith('.git/') && !p.startsWith('node_modules/')),
          ).size,
      },
    ];
    const checks: string[] = [];
    const listers: Array<[string, Lister]> = [];
    if (fg) {
      const fgOpts = { cwd: root, dot: true, onlyFiles: false, followSymbolicLinks: false, suppressErrors: false, unique: false };
      listers.push([`fast-glob ${fg.version} sync`, (r) => fg.mod.sync('**', { ...fgOpts, cwd: r }) as string[]]);
      listers.push([`fast-glob ${fg.version} async`, (r) => fg.mod('**', { ...fgOpts, cwd: r }) as Promise<string[]>]);
      variants.push({
        name: `fast-glob ${fg.version} sync, stats: true (Number lstat)`,
        full: false,
        run: async (r) => fg.mod.sync('**', { ...fgOpts, cwd: r, stats: true }).length,
      });
    }
    if (fd) {
      listers.push([`fdir ${fd.version} sync`, (r) => new fd.mod.fdir().withRelativePaths().withDirs().withErrors().crawl(r).sync()]);
      listers.push([`fdir ${fd.version} async`, (r) => new fd.mod.fdir().withRelativePaths().withDirs().withErrors().crawl(r).withPromise()]);
    }
    for (const [name, list] of listers) {
      // Same shape as the walker's: no trailing "/" on directories, no "" or "." for the root.
      const rels = async (r: string) => (await list(r)).map((p) => p.replace(/\/$/, '')).filter((p) => p !== '' && p !== '.');
      const got = [...new Set(await rels(root))].sort();
      const records = statAll(root, got);
      const sameRecords = got.every((p) => records.get(p) === reference.entries.get(p));
      const gotSet = new Set(got);
      const wantSet = new Set(want);
      const missing = want.filter((p) => !gotSet.has(p));
      const extra = got.filter((p) => !wantSet.has(p));
      checks.push(
        missing.length === 0 && extra.length === 0 && sameRecords
          ? `${name}: lists the same ${got.length} entries with the same records (the symlinked directory not entered, the FIFO and the dangling link listed)`
          : `${name}: DIFFERS: missing ${missing.length} (${missing.slice(0, 3).join(', ')}), extra ${extra.length} (${extra.slice(0, 3).join(', ')})${sameRecords ? '' : ', records differ'}`,
      );
      variants.push({ name: `${name} + lstat bigint`, full: true, run: async (r) => statAll(r, await rels(r)).size });
      variants.push({ name: `${name}, listing only`, full: false, run: async (r) => (await rels(r)).length });
    }
    const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let rep = 0; rep < reps; rep++) {
      say(`walkers: repetition ${rep + 1}/${reps}`);
      for (const v of alternate(variants, rep)) {
        const t = process.hrtime.bigint();
        await v.run(root);
        times.get(v.name)?.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
    const base = median(times.get(variants[0]?.name ?? '') ?? []);
    const lines = [
      `walkers: listing + lstat of ${want.length} entries (${files} files), median of ${reps} (ratio to the walker; < 1 is faster)`,
      ...variants.map((v) => {
        const m = median(times.get(v.name) ?? []);
        return valueLine(v.name, fmtMs(m), `${(m / base).toFixed(2)}x${v.full ? '' : '  (not enough for the auditor)'}`);
      }),
      ...checks.map((c) => `  ${c}`),
    ];
    if (!fg || !fd)
      lines.push(
        `  not measured: ${[fg ? '' : 'fast-glob', fd ? '' : 'fdir'].filter(Boolean).join(', ')} (not installed: npm install --prefix DIR fast-glob fdir, then SLEEVE_BENCH_MODULES=DIR)`,
      );
    return {
      name: 'walkers',
      lines,
      json: {
        entries: want.length,
        files,
        reps,
        medianMs: Object.fromEntries(variants.map((v) => [v.name, median(times.get(v.name) ?? [])])),
        ratios: Object.fromEntries(variants.map((v) => [v.name, median(times.get(v.name) ?? []) / base])),
        checks,
      },
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchWalkers({ progress: (m) => process.stderr.write(`# ${m}\n`) });
  for (const l of r.lines) process.stdout.write(`${l}\n`);
}
