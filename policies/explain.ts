/** The effective policy (after `extends`) in plain words, for `policy explain`. */
import { DEFAULT_RUNS_DIR } from './runs-dir.js';
import type { ResolvedPolicy } from './types.js';

function list(items: readonly string[]): string {
  return items.length === 0 ? 'nothing' : items.join(', ');
}

/** `runsDir`: the run root `{runDir}` lies in (default `runs`). */
export function explainPolicy(policy: ResolvedPolicy, opts: { runsDir?: string } = {}): string {
  const runsDir = opts.runsDir ?? DEFAULT_RUNS_DIR;
  const lines: string[] = [];
  const [self, ...bases] = policy.chain;
  lines.push(`Policy "${policy.name}" (${self?.kind ?? 'file'}: ${self?.file ?? '?'})`);
  if (bases.length > 0) lines.push(`  extends ${bases.map((b) => `"${b.name}" (${b.file})`).join(', then ')}`);
  if (policy.description) lines.push(`  ${policy.description}`);
  lines.push('');
  for (const op of ['read', 'write'] as const) {
    const { allow, deny } = policy.fs[op];
    const verb = op === 'read' ? 'Reads' : 'Writes';
    lines.push(`${verb}:`);
    if (allow.length === 0) lines.push('  allowed: nothing');
    else for (const r of allow) lines.push(`  allowed: ${r.pattern}`);
    for (const r of deny) lines.push(`  DENIED:  ${r.pattern}${r.reason ? ` (${r.reason})` : ''}`);
    lines.push('  Deny always wins over allow. Anything no rule allows, and anything outside the workspace, is denied.');
  }
  lines.push(`  {runDir} is ${runsDir}/<run id> in the workspace; {runId} is the run id.`);
  lines.push('');
  lines.push('Environment:');
  lines.push(`  passed from the parent (env.pass): ${list(policy.env.pass)}`);
  if (policy.env.pass.some((p) => p.endsWith('*'))) lines.push('    a name ending in "*" passes every variable that starts with what precedes it.');
  lines.push(
    '    NODE_* variables and UV_THREADPOOL_SIZE are never passed from the parent (they change how node starts); a value a sleeve needs, such as NODE_ENV, goes in env.set.',
  );
  const set = Object.entries(policy.env.set).map(([k, v]) => `${k}=${v}`);
  lines.push(`  set (env.set): ${list(set)}`);
  lines.push(
    `  plus SLEEVE_RUN_ID, SLEEVE_RUN_DIR, SLEEVE_NAME, SLEEVE_WORKSPACE, TV_RUN_ID and TMPDIR (${runsDir}/<run id>/tmp); nothing else reaches the sleeve.`,
  );
  lines.push(
    '  `run` names on stderr, once per batch, the variables it was given that look relevant (DEBUG, NODE_ENV, TZ, LANG, LC_*, ...) but are not passed.',
  );
  lines.push('');
  const yesNo = (v: boolean) => (v ? 'allowed' : 'denied');
  lines.push(`Network: ${yesNo(policy.net)}.`);
  lines.push(
    `Child processes: ${yesNo(policy.process.childProcess)}. Worker threads: ${yesNo(policy.process.workers)}. Native addons: ${yesNo(policy.process.addons)}.`,
  );
  const r = policy.resources;
  const limits = [
    r.memoryMiB !== undefined ? `${r.memoryMiB} MiB memory` : 'no memory limit',
    r.timeoutSeconds !== undefined ? `${r.timeoutSeconds} s timeout` : 'no timeout',
    r.cpus !== undefined ? `${r.cpus} cpu` : 'no cpu share',
  ];
  lines.push(`Resources per sleeve: ${limits.join(', ')}.`);
  lines.push(
    policy.mode === 'isolate'
      ? 'Mode: isolate. Sleeve code runs in a V8 isolate with no Node API, only ctx (--mode process cannot lower this).'
      : 'Mode: process (the default); --mode isolate, a manifest or an extending policy can raise it to isolate.',
  );
  lines.push(
    policy.osLayer === 'required'
      ? 'OS layer: required. Every sleeve runs inside a bubblewrap sandbox compiled from this policy; where bubblewrap cannot run, nothing runs (exit 2).'
      : policy.osLayer === 'off'
        ? 'OS layer: off. No kernel boundary unless the manifest or --os-layer raises it; command steps (non-Node programs) cannot run.'
        : 'OS layer: auto (the default). Sleeves run inside a bubblewrap sandbox wherever it works; the report says per sleeve whether it did.',
  );
  if (policy.requires.length > 0) {
    lines.push(`Before any sleeve starts, these must exist and be non-empty: ${list(policy.requires.map((q) => q.pattern))}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The effective policy as plain JSON (for `policy explain --json`). */
export function policyToJson(policy: ResolvedPolicy): Record<string, unknown> {
  return {
    name: policy.name,
    description: policy.description,
    chain: policy.chain.map((c) => ({ name: c.name, file: c.file, kind: c.kind })),
    fs: Object.fromEntries(
      (['read', 'write'] as const).map((op) => [
        op,
        {
          allow: policy.fs[op].allow.map((r) => r.pattern),
          deny: policy.fs[op].deny.map((r) => (r.reason ? { path: r.pattern, reason: r.reason } : r.pattern)),
        },
      ]),
    ),
    env: { pass: [...policy.env.pass], set: { ...policy.env.set } },
    net: policy.net,
    process: { ...policy.process },
    resources: { ...policy.resources },
    mode: policy.mode,
    osLayer: policy.osLayer,
    requires: policy.requires.map((r) => r.pattern),
  };
}
