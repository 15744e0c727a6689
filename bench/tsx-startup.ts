/**
 * Benchmark section "tsx": what `tsx` would cost or gain where a TypeScript
 * sleeve must run unbundled, against what the runner does (esbuild compiles
 * each entry once per batch into one ES module, then every sleeve starts
 * plain node on it).
 *
 * A two-file TypeScript sleeve (an entry importing a typed helper) runs as a
 * batch of 1 and of 8, 2 at a time, bare (no sandbox on either side: both
 * would pay the same guard), median of `reps`, order alternating:
 *   (js)      node on a hand-written .mjs equivalent (the floor);
 *   (esbuild) one esbuild build of the entry, as bundle.ts does, then node on the bundle;
 *   (tsx)     node --import tsx on the .ts entry, each sleeve with its own
 *             fresh TMPDIR (the runner gives each sleeve runs/<id>/tmp, so
 *             tsx's transform cache is cold in every sleeve);
 *   (tsx warm) the same with one shared, warmed TMPDIR (tsx's best case, which
 *             the runner would not give: a cache shared between sleeves is a
 *             channel between them).
 * Then, once: does tsx's loader start under Node's permission model with the
 * grants a sleeve gets (read the workspace, write its run dir), with the
 * node_modules holding tsx and esbuild added to the read grant, and with
 * --allow-worker too (tsx registers its hooks with module.register, which
 * runs them on a thread), and with --allow-child-process too (esbuild's API
 * starts its native binary for a transform the cache does not have)?
 *
 * tsx is not a dependency of sleeve-sandbox (this section is why): it is
 * loaded from the project's node_modules or from SLEEVE_BENCH_MODULES.
 *
 * Run alone: `node dist/bench/run.js tsx [--reps N]`.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { type SectionReport, median } from './policy-decide.js';
import { alternate, createBenchWorkspace, fmtMs, nodePermissionArgs, pool, runProcess, valueLine } from './workspace.js';

export interface TsxBenchOptions {
  reps?: number;
  concurrency?: number;
  progress?: (message: string) => void;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const HELPER_TS = `export interface Bar { date: string; close: number }
export enum Side { Long = 'long', Short = 'short' }
export function mean(bars: readonly Bar[]): number {
  return bars.reduce((n, b) => n + b.close, 0) / Math.max(1, bars.length);
}
`;
const ENTRY_TS = `import fs from 'node:fs';
import path from 'node:path';
import { type Bar, Side, mean } from './lib/stats.ts';

const bars: Bar[] = [{ date: '2024-01-02', close: 185.6 }, { date: '2024-01-03', close: 184.2 }];
const runDir: string = process.env.SLEEVE_RUN_DIR ?? '.';
fs.writeFileSync(path.join(runDir, 'out.txt'), \`\${Side.Long} \${mean(bars)}\\n\`);
`;
const ENTRY_MJS = `import fs from 'node:fs';
import path from 'node:path';
const bars = [{ date: '2024-01-02', close: 185.6 }, { date: '2024-01-03', close: 184.2 }];
const mean = (b) => b.reduce((n, x) => n + x.close, 0) / Math.max(1, b.length);
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR ?? '.', 'out.txt'), \`long \${mean(bars)}\\n\`);
`;

function findTsx(): { loader: string; dir: string; version: string } | undefined {
  for (const dir of [REPO, process.env.SLEEVE_BENCH_MODULES].filter((p): p is string => !!p)) {
    const req = createRequire(path.join(dir, 'package.json'));
    try {
      const pkgFile = req.resolve('tsx/package.json');
      return { loader: req.resolve('tsx'), dir: path.dirname(pkgFile), version: (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { version: string }).version };
    } catch {
      // not there
    }
  }
  return undefined;
}

type Variant = 'js' | 'esbuild' | 'tsx' | 'tsxWarm';

export async function benchTsx(opts: TsxBenchOptions = {}): Promise<SectionReport> {
  const reps = opts.reps ?? 5;
  const concurrency = opts.concurrency ?? 2;
  const say = opts.progress ?? (() => {});
  const tsx = findTsx();
  if (!tsx) {
    return {
      name: 'tsx',
      lines: ['tsx: not measured: tsx is not installed (npm install --prefix DIR tsx, then SLEEVE_BENCH_MODULES=DIR)'],
      json: { measured: false },
    };
  }
  const ws = createBenchWorkspace({ files: 4 });
  try {
    const entryTs = path.join(ws.root, ws.sleeve('momentum.ts', ENTRY_TS));
    fs.mkdirSync(path.join(ws.root, 'sleeves', 'lib'));
    fs.writeFileSync(path.join(ws.root, 'sleeves', 'lib', 'stats.ts'), HELPER_TS);
    const entryMjs = path.join(ws.root, ws.sleeve('momentum.mjs', ENTRY_MJS));
    const warmTmp = path.join(ws.root, 'runs', 'warm-tmp');
    let counter = 0;
    const sleeveEnv = (tmp?: string) => {
      const runDir = ws.runDir(`s${counter++}`);
      const own = path.join(runDir, 'tmp');
      fs.mkdirSync(own);
      return { runDir, env: { ...ws.env(runDir, path.basename(runDir)), TMPDIR: tmp ?? own } };
    };
    const node = async (args: string[], tmp?: string) => {
      const { env } = sleeveEnv(tmp);
      const r = await runProcess(process.execPath, args, { cwd: ws.root, env });
      if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    };
    const tsxArgs = ['--import', pathToFileURL(tsx.loader).href, entryTs];
    fs.mkdirSync(warmTmp, { recursive: true });
    await node(tsxArgs, warmTmp); // warm the shared cache
    const batch = async (v: Variant, n: number): Promise<number> => {
      const start = process.hrtime.bigint();
      if (v === 'esbuild') {
        const outfile = path.join(ws.root, 'runs', `bundle-${counter++}.mjs`);
        await esbuild.build({ entryPoints: [entryTs], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'silent' });
        await pool(n, concurrency, () => node([outfile]));
      } else if (v === 'js') await pool(n, concurrency, () => node([entryMjs]));
      else await pool(n, concurrency, () => node(tsxArgs, v === 'tsxWarm' ? warmTmp : undefined));
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const variants: Variant[] = ['js', 'esbuild', 'tsx', 'tsxWarm'];
    const sizes = [1, 8];
    const times = new Map<string, number[]>();
    for (let rep = 0; rep < reps; rep++) {
      say(`tsx: repetition ${rep + 1}/${reps}`);
      for (const n of sizes) {
        for (const v of alternate(variants, rep)) {
          const key = `${v}/${n}`;
          const list = times.get(key) ?? [];
          list.push(await batch(v, n));
          times.set(key, list);
        }
        ws.clearRuns();
        fs.mkdirSync(warmTmp, { recursive: true });
        await node(tsxArgs, warmTmp);
      }
    }
    // Node's permission model, with a sleeve's grants: does tsx's loader start at all?
    const { runDir, env } = sleeveEnv();
    const permTry = async (extraRead: string[], extraFlags: string[] = []) => {
      const flags = nodePermissionArgs([ws.root, ...extraRead], [runDir]);
      if (!flags) return 'no permission model in this node';
      const r = await runProcess(process.execPath, [...flags, ...extraFlags, ...tsxArgs], { cwd: ws.root, env });
      return r.code === 0
        ? 'starts'
        : `fails (exit ${r.code}): ${
            r.stderr
              .trim()
              .split('\n')
              .find((l) => /Error|ERR_/.test(l)) ?? r.stderr.trim().split('\n')[0]
          }`;
    };
    const permWs = await permTry([]);
    // tsx loads esbuild from the node_modules it sits in: grant that whole directory.
    const modules = path.dirname(tsx.dir);
    const permTsx = await permTry([modules]);
    // tsx's hooks run on a loader thread (module.register): only --allow-worker lets it start, which a policy with workers: false withholds.
    const permWorker = await permTry([modules], ['--allow-worker']);
    // And a cold cache makes esbuild's API start its native binary: --allow-child-process, which childProcess: false withholds.
    const permChild = await permTry([modules], ['--allow-worker', '--allow-child-process']);
    const lines = [`tsx ${tsx.version}: a 2-file TypeScript sleeve, batch wall time, concurrency ${concurrency}, median of ${reps} (ratio to plain .mjs)`];
    const json: Record<string, unknown> = {
      tsx: tsx.version,
      reps,
      concurrency,
      permission: { workspaceOnly: permWs, withTsxModules: permTsx, withTsxModulesAndWorker: permWorker, withWorkerAndChildProcess: permChild },
    };
    for (const n of sizes) {
      const base = median(times.get(`js/${n}`) ?? []);
      for (const v of variants) {
        const m = median(times.get(`${v}/${n}`) ?? []);
        const label = {
          js: 'node .mjs (floor)',
          esbuild: 'esbuild once + node bundle (the runner)',
          tsx: 'node --import tsx, cold cache',
          tsxWarm: 'node --import tsx, warm shared cache',
        }[v];
        lines.push(valueLine(`${n} sleeve${n > 1 ? 's' : ''}: ${label}`, fmtMs(m), `${(m / base).toFixed(2)}x`));
        json[`${v}/${n}`] = m;
      }
    }
    lines.push(`  under Node's permission model, read grant = workspace: ${permWs}`);
    lines.push(`  under Node's permission model, read grant = workspace + the node_modules of tsx and esbuild: ${permTsx}`);
    lines.push(`  the same plus --allow-worker (which workers: false withholds): ${permWorker}`);
    lines.push(`  the same plus --allow-child-process (which childProcess: false withholds): ${permChild}`);
    return { name: 'tsx', lines, json };
  } finally {
    ws.remove();
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await benchTsx({ reps: Number(process.env.REPS ?? 5), progress: (m) => process.stderr.write(`# ${m}\n`) });
  for (const l of r.lines) process.stdout.write(`${l}\n`);
}
