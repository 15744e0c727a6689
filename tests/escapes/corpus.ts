/**
 * The escape corpus: every attack in tests/escapes/attacks/ (one file per
 * attack) runs as a sleeve through the real `sleeve-sandbox run --policy
 * strict`, in a fresh temp workspace, and three things are asserted:
 *  1. the forbidden effect did not happen, checked on disk by this harness
 *     (nothing outside the attacker's run dir changed, nothing appeared
 *     outside the workspace, the secret is nowhere in the run dir, the
 *     loopback listener got no connection, another sleeve's files are intact);
 *  2. the run exited non-zero (unless the attack is an allowed abuse);
 *  3. the report names the denial, the violation or the limit that stopped it.
 *
 * An attack file starts with a header: `/* @attack {"title": ..., ...} *\/`
 *   expect: "denied" (default: a denial or violation in audit.json),
 *           "oom" | "timeout" (that status), "allowed" (exit 0, e.g. 100,000 own files)
 *   args:   extra run flags, e.g. ["--timeout", "2"]
 *   setup:  links the harness places in the attacker's run dir once the runner has made it
 *           (the runner refuses an existing run dir), then it writes runs/attacker/.ready;
 *           the attack must wait for .ready first. The audit sees these harness files as
 *           unreported changes, so for these attacks a guard denial is required:
 *           "abs-symlink-to-lakehouse" (runs/attacker/lake.csv -> data/lakehouse/AAPL.csv),
 *           "rel-symlink-chain" (runs/attacker/c2 -> c1 -> ../../data/lakehouse),
 *           "hardlink-to-lakehouse" (runs/attacker/hard.csv = data/lakehouse/AAPL.csv),
 *           "dangling-symlink-to-lakehouse" (runs/attacker/new.csv -> data/lakehouse/new.csv)
 *   setupAfter: a file name: the harness places the setup links only once the attack has
 *           written runs/attacker/<setupAfter> (a link that appears later, e.g. after the guard
 *           has already decided that name), then writes .ready as usual
 *   victim: true to run a second sleeve "victim" (run id "victim") at the same time,
 *           which writes runs/victim/own.txt and lives ~3 s
 *   command: a command step instead of an entry, "{entry}" standing for the attack file
 *           (e.g. ["python3", "{entry}"]): a program only the OS layer confines
 *   policy:  keys over {"extends": "strict"} for the attacker (e.g. {"process": {"addons": true}})
 *   addon:   a C file in tests/escapes/os-attacks/native/ the harness compiles to sleeves/<name>.node
 *   osOnly:  true for an attack only the kernel stops: it runs in the OS-layer pass alone
 *   rule:    a rule one of the attacker's reported denials must name (e.g. "report-channel", or
 *           "node-permission": the refusal came from Node's own layer and was still reported)
 *   status:  the attacker's status must be this (e.g. "failed")
 *   dropped: "denials" | "writes": the report must count messages of that kind dropped past a cap
 *   expect "refused": the sleeve failed or crashed inside the OS layer, which refused it; a program
 *           that is not Node reports no itemised denial, so the disk checks are the proof
 * The sleeve sees PROBE_PORT (a listener on 127.0.0.1), PROBE_SOCK (an abstract unix socket)
 * and OUTSIDE (a directory next to the workspace that must stay empty) in its environment.
 *
 * The corpus runs twice: with --os-layer off (corpus.test.ts: the JS guard, Node's permission
 * model and the auditor on their own) and with --os-layer required (corpus-os-layer.test.ts:
 * the same attacks and tests/escapes/os-attacks/ inside bubblewrap).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RUNNER_CACHE_HOME } from '../helpers/cli.js';
import { makeWorkspace, snapshotTree } from '../helpers/tmp.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'sleeve-sandbox.js');
export const ATTACKS = path.join(REPO, 'tests', 'escapes', 'attacks');
export const OS_ATTACKS = path.join(REPO, 'tests', 'escapes', 'os-attacks');
const NATIVE = path.join(OS_ATTACKS, 'native');

interface AttackMeta {
  title: string;
  expect?: 'denied' | 'oom' | 'timeout' | 'allowed' | 'refused';
  command?: string[];
  policy?: Record<string, unknown>;
  addon?: string;
  osOnly?: boolean;
  rule?: string;
  args?: string[];
  setup?: string[];
  setupAfter?: string;
  victim?: boolean;
  status?: string;
  dropped?: 'denials' | 'writes';
  /** Seconds the whole run may take (default 60). */
  maxSeconds?: number;
}

export interface Attack {
  file: string;
  family: string;
  name: string;
  meta: AttackMeta;
}

const HEADER_RE = /(?:\/\*|""")\s*@attack\s+(\{[\s\S]*?\})\s*(?:\*\/|""")/;

export function listAttacks(dir: string): Attack[] {
  const out: Attack[] = [];
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    if (!/\.(?:[cm]?js|ts|py)$/.test(rel) || path.basename(rel).startsWith('_')) continue;
    const file = path.join(dir, rel);
    const text = fs.readFileSync(file, 'utf8');
    const m = HEADER_RE.exec(text);
    if (!m) throw new Error(`${rel}: no /* @attack {...} */ header`);
    out.push({ file, family: path.dirname(rel), name: path.basename(rel).replace(/\.[^.]+$/, ''), meta: JSON.parse(m[1] as string) as AttackMeta });
  }
  return out;
}

/** Every regular file below dir (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => {
      try {
        return fs.lstatSync(f).isFile();
      } catch {
        return false;
      }
    });
}

const VICTIM = `import fs from 'node:fs';
fs.writeFileSync(process.env.SLEEVE_RUN_DIR + '/own.txt', 'victim data\\n');
await new Promise((r) => setTimeout(r, 3000));
`;

async function setupLinks(ws: string, kinds: readonly string[], after?: string): Promise<void> {
  const run = path.join(ws, 'runs', 'attacker');
  for (let i = 0; i < 400 && !fs.existsSync(run); i++) await new Promise((r) => setTimeout(r, 25));
  if (after) for (let i = 0; i < 400 && !fs.existsSync(path.join(run, after)); i++) await new Promise((r) => setTimeout(r, 25));
  for (const kind of kinds) {
    if (kind === 'abs-symlink-to-lakehouse') fs.symlinkSync(path.join(ws, 'data/lakehouse/AAPL.csv'), path.join(run, 'lake.csv'));
    else if (kind === 'rel-symlink-chain') {
      fs.symlinkSync('../../data/lakehouse', path.join(run, 'c1'));
      fs.symlinkSync('c1', path.join(run, 'c2'));
    } else if (kind === 'hardlink-to-lakehouse') fs.linkSync(path.join(ws, 'data/lakehouse/AAPL.csv'), path.join(run, 'hard.csv'));
    else if (kind === 'dangling-symlink-to-lakehouse') fs.symlinkSync(path.join(ws, 'data/lakehouse/new.csv'), path.join(run, 'new.csv'));
    else throw new Error(`unknown setup ${kind}`);
  }
  fs.writeFileSync(path.join(run, '.ready'), '');
}

export interface Outcome {
  code: number | null;
  /** What reached the pipe the runner inherited at fd 50 (must stay empty). */
  inherited: string;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const INHERITED_FD = 50;

/** The bin, killed after maxMs; the one spawner of both escape corpora. */
export function runBin(args: string[], cwd: string, env: NodeJS.ProcessEnv, maxMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    // fd 50 of the runner: a pipe it inherits without close-on-exec, as from a shell or a CI agent (Node marks
    // only the first few inherited descriptors close-on-exec). Nothing a sleeve does may ever reach it: the
    // runner closes such descriptors before the first sleeve starts.
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'pipe', 'pipe'];
    while (stdio.length < INHERITED_FD) stdio.push('ignore');
    stdio.push('pipe');
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio });
    let stdout = '';
    let stderr = '';
    let inherited = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    (child.stdio as unknown as Array<NodeJS.ReadableStream | null>)[INHERITED_FD]?.on('data', (d: Buffer) => {
      inherited += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), maxMs);
    // A sleeve that got the inherited pipe may hold it open past the runner: stop reading it soon after.
    child.on('exit', () =>
      setTimeout(() => (child.stdio as unknown as Array<NodeJS.ReadableStream & { destroy(): void }>)[INHERITED_FD]?.destroy(), 500).unref(),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, inherited, ms: Date.now() - started });
    });
  });
}

/**
 * Compiles an attack's C addon against the headers of this node (include/node beside its bin/),
 * once per file; undefined with the reason when no compiler or no headers are here.
 */
const built = new Map<string, string>();
function buildAddon(source: string, into: string): { file?: string; problem?: string } {
  const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  if (!fs.existsSync(path.join(headers, 'node_api.h'))) return { problem: `no node_api.h in ${headers}` };
  let out = built.get(source);
  if (!out) {
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-addon-')), `${path.basename(source, '.c')}.node`);
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-O1', `-I${headers}`, path.join(NATIVE, source), '-o', out], { encoding: 'utf8' });
    if (cc.status !== 0) return { problem: `cc failed: ${cc.error?.message ?? cc.stderr}` };
    built.set(source, out);
  }
  fs.copyFileSync(out, into);
  return { file: into };
}

export interface CorpusOptions {
  osLayer: 'off' | 'required';
  attacks: readonly Attack[];
  /** A reason to skip the whole pass (the OS layer is not available here), or false. */
  skip: false | string;
}

export function defineCorpus(opts: CorpusOptions): void {
  const attacks = opts.attacks.filter((a) => opts.osLayer === 'required' || !a.meta.osOnly);
  describe(`escape corpus: every attack, through sleeve-sandbox run --policy strict --os-layer ${opts.osLayer}`, { concurrency: 2, skip: opts.skip }, () => {
    it('has at least 60 attacks in at least 8 families', () => {
      assert.ok(attacks.length >= 60, `${attacks.length} attacks`);
      assert.ok(new Set(attacks.map((a) => a.family)).size >= 8);
    });

    for (const attack of attacks) {
      it(`${attack.family}/${attack.name}: ${attack.meta.title}`, async (t) => {
        const ws = makeWorkspace();
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-outside-'));
        const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sleeve-home-'));
        const token = `SECRET-${randomBytes(12).toString('hex')}`;
        const tmpMarker = path.join(os.tmpdir(), `sleeve-escape-${attack.name}`);
        fs.rmSync(tmpMarker, { recursive: true, force: true });
        let connections = 0;
        const server = net.createServer((s) => {
          connections++;
          s.destroy();
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        // An abstract unix socket (no file, Linux only): reachable from any process in the host's network namespace.
        const sockName = `sleeve-probe-${randomBytes(6).toString('hex')}`;
        const unixServer = net.createServer((s) => {
          connections++;
          s.destroy();
        });
        await new Promise<void>((r) => unixServer.listen(`\0${sockName}`, r));
        try {
          fs.writeFileSync(path.join(ws.dir, 'secrets/token.txt'), `${token}\n`);
          fs.mkdirSync(path.join(ws.dir, 'sleeves'));
          const entry = `sleeves/${attack.name}${path.extname(attack.file)}`;
          fs.copyFileSync(attack.file, path.join(ws.dir, entry));
          // Support modules beside an attack (`_name.py`) go along with it.
          for (const f of fs.readdirSync(path.dirname(attack.file)).filter((n) => n.startsWith('_'))) {
            fs.copyFileSync(path.join(path.dirname(attack.file), f), path.join(ws.dir, 'sleeves', f));
          }
          if (attack.meta.addon) {
            const addon = buildAddon(attack.meta.addon, path.join(ws.dir, 'sleeves', `${path.basename(attack.meta.addon, '.c')}.node`));
            if (addon.problem) {
              if (process.env.CI === 'true') assert.fail(`cannot build ${attack.meta.addon}: ${addon.problem}`);
              t.skip(`cannot build ${attack.meta.addon}: ${addon.problem}`);
              return;
            }
          }
          const env = { PROBE_PORT: String((server.address() as net.AddressInfo).port), PROBE_SOCK: sockName, OUTSIDE: outside, TMP_MARKER: tmpMarker };
          const step: Record<string, unknown> = attack.meta.command
            ? { name: 'attacker', command: attack.meta.command.map((w) => (w === '{entry}' ? entry : w)), runId: 'attacker', env }
            : { name: 'attacker', entry, runId: 'attacker', env };
          if (attack.meta.policy) {
            fs.mkdirSync(path.join(ws.dir, 'policies'), { recursive: true });
            fs.writeFileSync(
              path.join(ws.dir, 'policies', 'attack.json'),
              JSON.stringify({ version: 1, name: 'attack', extends: 'strict', ...attack.meta.policy }),
            );
            step.policy = 'policies/attack.json';
          }
          const sleeves: Array<Record<string, unknown>> = [step];
          if (attack.meta.victim) {
            fs.writeFileSync(path.join(ws.dir, 'sleeves/victim.mjs'), VICTIM);
            sleeves.unshift({ name: 'victim', entry: 'sleeves/victim.mjs', runId: 'victim' });
          }
          fs.writeFileSync(path.join(ws.dir, 'manifest.json'), JSON.stringify({ version: 1, policy: 'strict', sleeves }));
          const guarded = (rel: string) =>
            rel === 'runs/.batches' ||
            rel.startsWith('runs/.batches/') ||
            rel === 'runs/attacker' ||
            rel.startsWith('runs/attacker/') ||
            rel === 'runs/victim' ||
            rel.startsWith('runs/victim/') ||
            rel === 'reports' ||
            rel.startsWith('reports/');
          const before = snapshotTree(ws.dir, guarded);
          const running = runBin(
            [
              'run',
              '--workspace',
              ws.dir,
              '--manifest',
              path.join(ws.dir, 'manifest.json'),
              '--concurrency',
              '2',
              '--os-layer',
              opts.osLayer,
              '--json',
              ...(attack.meta.args ?? []),
            ],
            ws.dir,
            { ...process.env, HOME: home, XDG_CACHE_HOME: RUNNER_CACHE_HOME },
            (attack.meta.maxSeconds ?? 60) * 1000,
          );
          if (attack.meta.setup?.length) await setupLinks(ws.dir, attack.meta.setup, attack.meta.setupAfter);
          const out = await running;
          const sleeveErr = (() => {
            try {
              return fs.readFileSync(path.join(ws.dir, 'runs', 'attacker', 'logs', 'stderr.log'), 'utf8').slice(-1500);
            } catch {
              return '';
            }
          })();
          const show = `exit ${out.code}\n${out.stderr.slice(-3000)}\n--- the attacker's stderr\n${sleeveErr}`;
          // The harness's own hard link raised the lakehouse file's link count: take it away again.
          if (attack.meta.setup?.includes('hardlink-to-lakehouse')) fs.rmSync(path.join(ws.dir, 'runs/attacker/hard.csv'), { force: true });
          // 1. the forbidden effect did not happen
          const after = snapshotTree(ws.dir, guarded);
          // runs/ itself gains the run directories the runner makes: its own times move.
          before.delete('runs');
          after.delete('runs');
          assert.deepEqual(
            [...after.entries()].filter(([k, v]) => before.get(k) !== v).map(([k]) => k),
            [],
            `changed in the workspace: ${show}`,
          );
          assert.deepEqual(
            [...before.keys()].filter((k) => !after.has(k)),
            [],
            `removed from the workspace: ${show}`,
          );
          assert.deepEqual(fs.readdirSync(outside), [], 'something was written next to the workspace');
          assert.deepEqual(fs.readdirSync(home), [], 'something was written into $HOME');
          assert.equal(fs.existsSync(tmpMarker), false, `${tmpMarker} was created`);
          for (const f of filesUnder(path.join(ws.dir, 'runs'))) {
            assert.ok(!fs.readFileSync(f).includes(token), `the secret reached ${f}`);
          }
          assert.equal(connections, 0, 'the loopback listener received a connection');
          assert.equal(out.inherited, '', `a sleeve wrote to a descriptor the runner inherited: ${JSON.stringify(out.inherited.slice(0, 200))}`);
          if (attack.meta.victim) {
            assert.equal(fs.readFileSync(path.join(ws.dir, 'runs/victim/own.txt'), 'utf8'), 'victim data\n');
            const victimFiles = filesUnder(path.join(ws.dir, 'runs/victim')).map((f) => path.relative(path.join(ws.dir, 'runs/victim'), f));
            assert.deepEqual(victimFiles.filter((f) => !f.startsWith('logs')).sort(), ['own.txt'], 'files appeared in the victim run dir');
          }
          // 2. and 3. the exit code and the report
          const reportPath = (JSON.parse(out.stdout || '{}') as { reports?: { json?: string } }).reports?.json;
          assert.ok(reportPath && fs.existsSync(reportPath), `no report: ${show}`);
          const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as {
            sleeves: Array<{
              name: string;
              status: string;
              denials: Array<{ rule: string }>;
              layers: string[];
              os?: { used: boolean };
              channel?: { dropped: { denials: number; writes: number } };
            }>;
            violations: unknown[];
          };
          const me = report.sleeves.find((s) => s.name === 'attacker');
          // The pass ran where it says: inside bubblewrap, or without it.
          assert.equal(me?.os?.used, opts.osLayer === 'required', `os layer: ${JSON.stringify(me?.os)}`);
          assert.equal(me?.layers.includes('os'), opts.osLayer === 'required');
          if (attack.meta.victim) assert.equal(report.sleeves.find((s) => s.name === 'victim')?.status, 'ok', `the victim did not end ok: ${show}`);
          const expect = attack.meta.expect ?? 'denied';
          if (expect === 'allowed') {
            assert.equal(out.code, 0, show);
          } else {
            assert.notEqual(out.code, 0, `the attack run exited 0: ${show}`);
            if (expect === 'denied' && attack.meta.setup?.length) assert.ok((me?.denials.length ?? 0) > 0, `no denial in the report: ${show}`);
            else if (expect === 'denied')
              assert.ok((me?.denials.length ?? 0) > 0 || report.violations.length > 0, `no denial or violation in the report: ${show}`);
            else if (expect === 'refused') {
              assert.equal(opts.osLayer, 'required', 'only the OS layer refuses without an itemised denial');
              // Refused as ordinary errors (failed), or by an abort of the runtime itself (V8 cannot open its trace file: crashed).
              assert.ok(me?.status === 'failed' || me?.status === 'crashed', show);
            } else assert.equal(me?.status, expect, show);
          }
          if (attack.meta.rule) {
            const rules = (me?.denials ?? []).map((d) => d.rule);
            assert.ok(rules.includes(attack.meta.rule), `no denial with rule ${attack.meta.rule} (got ${JSON.stringify(rules)}): ${show}`);
          }
          if (attack.meta.status) assert.equal(me?.status, attack.meta.status, show);
          if (attack.meta.dropped)
            assert.ok((me?.channel?.dropped[attack.meta.dropped] ?? 0) > 0, `the report counts no dropped ${attack.meta.dropped}: ${show}`);
        } finally {
          await new Promise((r) => server.close(r));
          await new Promise((r) => unixServer.close(r));
          fs.rmSync(tmpMarker, { recursive: true, force: true });
          fs.rmSync(outside, { recursive: true, force: true });
          fs.rmSync(home, { recursive: true, force: true });
          ws.cleanup();
        }
      });
    }
  });
}
