/**
 * Benchmark section "runner-start": the runner's own start with V8's compile
 * cache (runner/compile-cache.ts, Node >= 22.1) against the same command with
 * NODE_DISABLE_COMPILE_CACHE=1, side by side in alternating order: a `run` of
 * one trivial sleeve (the run command's whole module graph), and `policy
 * check` (the CLI's start). Run it under the node to measure:
 * `/path/to/node24 dist/bench/run.js runner-start`.
 */
import module from 'node:module';
import { type SectionReport, median } from './policy-decide.js';
import { CLI, alternate, createBenchWorkspace, fmtMs, runProcess, valueLine } from './workspace.js';

export interface RunnerStartBenchOptions {
  reps?: number;
  progress?: (message: string) => void;
}

const TRIVIAL = `import fs from 'node:fs';
import path from 'node:path';
fs.writeFileSync(path.join(process.env.SLEEVE_RUN_DIR, 'out.txt'), 'ok\\n');
`;

export async function benchRunnerStart(options: RunnerStartBenchOptions = {}): Promise<SectionReport> {
  if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache !== 'function') {
    return {
      name: 'runner-start',
      lines: [`runner-start: not measured: node ${process.version} has no compile cache (Node >= 22.1)`],
      json: { available: false },
    };
  }
  const reps = options.reps ?? 9;
  const progress = options.progress ?? (() => {});
  const ws = createBenchWorkspace({ files: 20, dirs: 2, fileBytes: 200 });
  try {
    const entry = ws.sleeve('trivial.js', TRIVIAL);
    const env = (cache: boolean) => {
      const e: NodeJS.ProcessEnv = { ...process.env };
      delete e.NODE_OPTIONS;
      delete e.NODE_V8_COVERAGE;
      delete e.NODE_EXTRA_CA_CERTS;
      if (!cache) e.NODE_DISABLE_COMPILE_CACHE = '1';
      else delete e.NODE_DISABLE_COMPILE_CACHE;
      return e;
    };
    const commands = {
      run: ['run', '--policy', 'strict', '--workspace', ws.root, '--sleeve', `a=${entry}`, '--os-layer', 'off'],
      check: ['policy', 'check', 'strict', '--workspace', ws.root, 'data/x.csv'],
    };
    const once = async (which: 'run' | 'check', cache: boolean) => {
      const r = await runProcess(process.execPath, [CLI, ...commands[which]], { cwd: ws.root, env: env(cache) });
      if (which === 'run' && r.code !== 0) throw new Error(`sleeve-sandbox run exited ${r.code}: ${r.stderr.slice(-400)}`);
      ws.clearRuns();
      return r.ms;
    };
    progress('runner-start: warming up (the cache fills) ...');
    await once('run', true);
    await once('check', true);
    const ms: Record<string, number[]> = { 'run/on': [], 'run/off': [], 'check/on': [], 'check/off': [] };
    for (let rep = 0; rep < reps; rep++) {
      progress(`runner-start: repetition ${rep + 1}/${reps} ...`);
      for (const which of ['run', 'check'] as const) {
        for (const cache of alternate([true, false], rep)) ms[`${which}/${cache ? 'on' : 'off'}`]?.push(await once(which, cache));
      }
    }
    const med = (k: string) => median(ms[k] ?? []);
    const ratio = (w: string) => median((ms[`${w}/on`] ?? []).map((x, i) => x / ((ms[`${w}/off`] ?? [])[i] as number)));
    const lines = [
      `runner-start: node ${process.version}, the CLI with its compile cache against NODE_DISABLE_COMPILE_CACHE=1; median of ${reps} reps`,
      valueLine('run (1 trivial sleeve), no cache', fmtMs(med('run/off'))),
      valueLine(
        'run (1 trivial sleeve), compile cache',
        fmtMs(med('run/on')),
        `${ratio('run').toFixed(3)}x, ${(med('run/off') - med('run/on')).toFixed(0)} ms saved`,
      ),
      valueLine('policy check, no cache', fmtMs(med('check/off'))),
      valueLine(
        'policy check, compile cache',
        fmtMs(med('check/on')),
        `${ratio('check').toFixed(3)}x, ${(med('check/off') - med('check/on')).toFixed(0)} ms saved`,
      ),
    ];
    return {
      name: 'runner-start',
      lines,
      json: { available: true, node: process.version, reps, samples: ms, ratio: { run: ratio('run'), check: ratio('check') } },
    };
  } finally {
    ws.remove();
  }
}
