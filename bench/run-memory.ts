/**
 * Benchmark section "memory": the peak RSS the sandbox adds to a sleeve
 * process. A trivial sleeve writes one small file into its run dir and prints
 * `process.resourceUsage().maxRSS` (KiB) from a `process.on('exit')` handler;
 * it runs under the sandbox (through the CLI, policy "strict") and as a bare
 * `node sleeve.js`, side by side, alternating which goes first. Bare node with
 * Node's own permission flags is shown for context.
 *
 * Target: sandboxed - bare <= +15 MiB (median of per-repetition differences).
 */
import fs from 'node:fs';
import { type SectionReport, median } from './policy-decide.js';
import { alternate, createBenchWorkspace, nodePermissionArgs, nodePermissionFlag, runBareNode, runCli, valueLine } from './workspace.js';

export interface MemoryBenchOptions {
  reps?: number;
  /** Sleeves per repetition and variant (each is its own process; default 2). */
  perRep?: number;
  progress?: (message: string) => void;
}

export const MEMORY_TARGETS = Object.freeze({ extraMiB: 15 });

const SLEEVE = `import fs from 'node:fs';
import path from 'node:path';

process.on('exit', () => {
  process.stdout.write('maxRSS=' + process.resourceUsage().maxRSS + '\\n');
});
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;

function parseMaxRss(text: string, what: string): number {
  const m = /maxRSS=(\d+)/.exec(text);
  if (!m) throw new Error(`${what}: no "maxRSS=" line in its output: ${JSON.stringify(text.slice(0, 200))}`);
  return Number(m[1]);
}

type Variant = 'sandbox' | 'bare' | 'perm';

const mib = (kib: number) => kib / 1024;
const fmtMiB = (m: number, sign = false) => `${sign && m >= 0 ? '+' : ''}${m.toFixed(1)} MiB`;

export async function benchMemory(options: MemoryBenchOptions = {}): Promise<SectionReport> {
  const reps = options.reps ?? 5;
  const perRep = options.perRep ?? 2;
  const progress = options.progress ?? (() => {});
  const permFlag = nodePermissionFlag();
  const ws = createBenchWorkspace({ files: 20, dirs: 2 });
  try {
    const entry = ws.sleeve('memory.js', SLEEVE);
    let seq = 0;
    const bare = async (flags: (runDir: string) => string[]) => {
      const out: number[] = [];
      for (let i = 0; i < perRep; i++) {
        const dir = ws.runDir(`bare-${String(seq++).padStart(3, '0')}`);
        const r = await runBareNode(ws, entry, dir, flags(dir));
        out.push(parseMaxRss(r.stdout, 'bare node'));
      }
      return out;
    };
    /** Sleeve-printed maxRSS; and the runner's own figure (the bootstrap's exit message), for a cross-check. */
    const reported: number[] = [];
    const run: Record<Variant, () => Promise<number[]>> = {
      sandbox: async () => {
        const names = Array.from({ length: perRep }, (_, i) => [`m${i}`, entry] as const);
        const r = await runCli(ws, names, 1);
        return r.sleeves.map((s) => {
          if (s.usage) reported.push(s.usage.maxRssKiB);
          return parseMaxRss(fs.readFileSync(s.logs.stdout, 'utf8'), `sandboxed sleeve ${s.name}`);
        });
      },
      bare: () => bare(() => []),
      perm: () => bare((dir) => nodePermissionArgs([ws.root], [dir]) ?? []),
    };
    const variants: Variant[] = permFlag ? ['bare', 'sandbox', 'perm'] : ['bare', 'sandbox'];

    progress('memory: warming up ...');
    for (const v of variants) await run[v]();
    ws.clearRuns();
    reported.length = 0;
    const samples: Record<Variant, number[][]> = { sandbox: [], bare: [], perm: [] };
    for (let rep = 0; rep < reps; rep++) {
      const order = alternate(variants, rep);
      progress(`memory: repetition ${rep + 1}/${reps}: ${order.join(', ')} ...`);
      for (const v of order) samples[v].push(await run[v]());
      ws.clearRuns();
    }

    const all = (v: Variant) => median(samples[v].flat());
    const diff = (v: Variant) => median(samples[v].map((s, i) => median(s) - median(samples.bare[i] as number[])));
    const kib = { bare: all('bare'), sandbox: all('sandbox'), perm: permFlag ? all('perm') : Number.NaN, runnerReported: median(reported) };
    const extraMiB = { sandbox: mib(diff('sandbox')), perm: permFlag ? mib(diff('perm')) : Number.NaN };
    const pass = { sandbox: extraMiB.sandbox <= MEMORY_TARGETS.extraMiB };
    const lines = [
      `memory: peak RSS of a trivial sleeve (process.resourceUsage().maxRSS at exit), ${perRep} processes per variant and rep, median of ${reps} reps`,
      valueLine('bare node (baseline)', fmtMiB(mib(kib.bare))),
      valueLine('sleeve-sandbox run (strict)', fmtMiB(mib(kib.sandbox))),
      `  ${'sandboxed - bare'.padEnd(40)} ${fmtMiB(extraMiB.sandbox, true).padStart(10)}   (target <= +${MEMORY_TARGETS.extraMiB} MiB)  ${pass.sandbox ? 'PASS' : 'MISS'}`,
      '  info:',
      permFlag
        ? valueLine(`bare node ${permFlag}`, fmtMiB(mib(kib.perm)), `${fmtMiB(extraMiB.perm, true)} vs bare`)
        : '  node permission model: not available on this node',
      valueLine('runner-reported maxRssKiB (bootstrap)', fmtMiB(mib(kib.runnerReported)), "taken in the bootstrap exit handler, before the sleeve's"),
    ];
    return {
      name: 'memory',
      lines,
      json: {
        policy: 'strict',
        reps,
        perRep,
        permissionFlag: permFlag,
        maxRssKiB: kib,
        extraMiB,
        targets: MEMORY_TARGETS,
        pass,
        samplesKiB: Object.fromEntries(Object.entries(samples).filter(([, v]) => v.length > 0)),
      },
    };
  } finally {
    ws.remove();
  }
}
