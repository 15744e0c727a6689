/**
 * Benchmark section "isolate-platform": what the isolate's web platform
 * (sandbox/isolate-platform/entry.js, bundled into PLATFORM_SOURCE) adds to
 * the start of every isolate-mode sleeve, and what its lazily loaded URL
 * (whatwg-url and its IDNA tables) costs the first sleeve that uses it.
 *
 * Measured in a child `node --no-node-snapshot` (isolated-vm needs it), per
 * repetition on a fresh isolate: (a) creating the isolate and its context;
 * (b) compiling and running the platform script and calling `install` (stub
 * services); (c) the first `new URL(...)` after it (compiles the URL script); (d) a second one. Medians
 * of the repetitions; (b) is also given as a ratio to (a).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SectionReport, median } from './policy-decide.js';
import { fmtMs, valueLine } from './workspace.js';

export interface IsolatePlatformBenchOptions {
  reps?: number;
  progress?: (message: string) => void;
}

interface Sample {
  isolateMs: number;
  platformMs: number;
  firstUrlMs: number;
  secondUrlMs: number;
  platformBytes: number;
  urlBytes: number;
}

interface IvmLike {
  Isolate: new (o: {
    memoryLimit: number;
  }) => {
    createContextSync(): unknown;
    compileScriptSync(code: string, o?: { filename: string }): { runSync(ctx: unknown, o?: Record<string, unknown>): unknown };
    dispose(): void;
  };
  Callback: new (fn: (...args: unknown[]) => unknown) => unknown;
}
interface RefLike {
  applySync(receiver: unknown, args: unknown[], o?: Record<string, unknown>): unknown;
  derefInto(): unknown;
}

/** The child: measures `reps` fresh isolates and prints the samples as JSON. */
async function child(reps: number): Promise<void> {
  const ivm = createRequire(import.meta.url)('isolated-vm') as IvmLike;
  const { PLATFORM_SOURCE, PLATFORM_URL_SOURCE } = await import('../sandbox/isolate-platform.js');
  const samples: Sample[] = [];
  const now = new ivm.Callback(() => performance.now());
  const random = new ivm.Callback((n: unknown) => new ArrayBuffer(Number(n)));
  const urlSource = new ivm.Callback(() => PLATFORM_URL_SOURCE);
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const iso = new ivm.Isolate({ memoryLimit: 128 });
    const context = iso.createContextSync();
    const t1 = performance.now();
    const install = iso.compileScriptSync(PLATFORM_SOURCE, { filename: 'sleeve-sandbox:platform' }).runSync(context, { reference: true }) as RefLike;
    const setup = iso
      .compileScriptSync(
        '(function (install, now, random, urlSource) { install({ now: () => now(), random: (n) => random(n), fatal: () => {}, urlSource: () => urlSource() }); })',
      )
      .runSync(context, { reference: true }) as RefLike;
    setup.applySync(undefined, [install.derefInto(), now, random, urlSource]);
    const t2 = performance.now();
    iso.compileScriptSync("new URL('https://example.com/a?b=1').href").runSync(context);
    const t3 = performance.now();
    iso.compileScriptSync("new URL('https://example.org/c?d=2').href").runSync(context);
    const t4 = performance.now();
    iso.dispose();
    samples.push({
      isolateMs: t1 - t0,
      platformMs: t2 - t1,
      firstUrlMs: t3 - t2,
      secondUrlMs: t4 - t3,
      platformBytes: PLATFORM_SOURCE.length,
      urlBytes: PLATFORM_URL_SOURCE.length,
    });
  }
  process.stdout.write(JSON.stringify(samples));
}

export async function benchIsolatePlatform(options: IsolatePlatformBenchOptions = {}): Promise<SectionReport> {
  const reps = options.reps ?? 15;
  options.progress?.(`isolate-platform: ${reps} fresh isolates`);
  const r = spawnSync(process.execPath, ['--no-node-snapshot', fileURLToPath(import.meta.url), '--child', String(reps)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`the isolate-platform bench child failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const samples = JSON.parse(r.stdout) as Sample[];
  const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
  const ratio = median(samples.map((s) => s.platformMs / s.isolateMs));
  const bytes = samples[0]?.platformBytes ?? 0;
  const urlBytes = samples[0]?.urlBytes ?? 0;
  return {
    name: 'isolate-platform',
    lines: [
      `isolate-platform: the web platform's cost per isolate, median of ${reps} fresh isolates (platform script ${(bytes / 1024).toFixed(0)} KiB, URL script ${(urlBytes / 1024).toFixed(0)} KiB)`,
      valueLine('isolate + context', fmtMs(m('isolateMs'))),
      valueLine('platform: compile, run, install', fmtMs(m('platformMs')), `${ratio.toFixed(2)}x the isolate's own creation`),
      valueLine('first new URL() (loads whatwg-url)', fmtMs(m('firstUrlMs')), 'paid only by a sleeve that uses URL'),
      valueLine('second new URL()', fmtMs(m('secondUrlMs'))),
    ],
    json: {
      reps,
      platformBytes: bytes,
      urlBytes,
      isolateMs: m('isolateMs'),
      platformMs: m('platformMs'),
      platformRatio: ratio,
      firstUrlMs: m('firstUrlMs'),
      secondUrlMs: m('secondUrlMs'),
    },
  };
}

if (process.argv[2] === '--child' && path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  await child(Number(process.argv[3] ?? 15));
}
