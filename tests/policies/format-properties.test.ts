/**
 * `policy fmt` never changes meaning (seeded fast-check): for random valid
 * policies (keys shuffled, lists with duplicates, an `extends` chain, random
 * indentation), the formatted files parse with the schema, formatting them
 * again changes nothing, and the effective policy (after load) decides every
 * random path the same: allowed or not, and by a deny, an allow or no rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatSource } from '../../policies/format.js';
import { loadPolicy } from '../../policies/loader.js';
import { LEXICAL_SYS, decideSpelled } from '../../policies/policy-test.js';
import { compilePolicy } from '../../policies/engine.js';
import { ACKNOWLEDGEABLE, policySchema } from '../../policies/schema.js';
import type { Sys } from '../../policies/sys.js';
import type { ResolvedPolicy } from '../../policies/types.js';

const WS = '/ws';
const SEED = 20260613;

/** Policy files served from memory: nothing else exists. */
function memSys(files: Record<string, string>): Sys {
  return {
    ...LEXICAL_SYS,
    cwd: () => WS,
    lstat: (p) => (Object.hasOwn(files, p) ? 'file' : undefined),
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    },
  };
}

const SEGMENTS = ['data', 'lakehouse', 'runs', 'a.csv', 'b.json', 'x', '.hidden', '{runDir}', '{runId}'];
const globPart = fc.constantFrom(...SEGMENTS, '*', '**', '{a.csv,b.json}', '*.csv', '[ab].csv');
const pattern = fc
  .array(globPart, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('/'))
  .filter(checkable);
const literal = fc.array(fc.constantFrom('data', 'lakehouse', 'runs', 'x', '{runDir}'), { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
const reason = fc.constantFrom('no', 'strict isolation', 'another reason');
const denyEntry = fc.oneof(
  pattern,
  fc.record({ path: pattern, reason }),
  fc.record({ reason, path: pattern }), // keys in the other order
);

function checkable(p: string): boolean {
  return policySchema.shape.fs.safeParse({ read: { allow: [p] } }).success;
}

/** Keys in a random order (the formatter must put them back in the schema's). */
function shuffled<T extends Record<string, unknown>>(obj: T, order: number[]): T {
  const keys = Object.keys(obj);
  const ranked = keys.map((k, i) => [k, order[i % Math.max(order.length, 1)] ?? i] as const).sort((a, b) => a[1] - b[1]);
  return Object.fromEntries(ranked.map(([k]) => [k, obj[k]])) as T;
}

const access = fc.record({ allow: fc.array(pattern, { maxLength: 4 }), deny: fc.array(denyEntry, { maxLength: 3 }) }, { requiredKeys: [] });

const policyBody = fc.record(
  {
    description: fc.constantFrom('a policy', 'another'),
    fs: fc.record({ read: access, write: access }, { requiredKeys: [] }),
    env: fc.record(
      {
        pass: fc.array(fc.constantFrom('PATH', 'TV_*', 'HOME', 'LANG', 'TV_*'), { maxLength: 4 }),
        set: fc.dictionary(fc.constantFrom('B', 'A', 'TV_X', 'Z_1'), fc.constantFrom('1', 'x', '')),
      },
      { requiredKeys: [] },
    ),
    mode: fc.constantFrom('process', 'isolate'),
    osLayer: fc.constantFrom('off', 'auto', 'required'),
    net: fc.boolean(),
    process: fc.record({ addons: fc.boolean(), workers: fc.boolean(), childProcess: fc.boolean() }, { requiredKeys: [] }),
    resources: fc.record(
      { cpus: fc.constantFrom(1, 0.5, 4), memoryMiB: fc.constantFrom(64, 2048), timeoutSeconds: fc.constantFrom(1, 3600) },
      { requiredKeys: [] },
    ),
    requires: fc.array(literal, { maxLength: 3 }),
    audit: fc.record({ protect: fc.array(pattern, { maxLength: 3 }) }),
    acknowledge: fc.array(fc.constantFrom(...ACKNOWLEDGEABLE), { maxLength: 3 }),
    $schema: fc.constant('./schema/policy.schema.json'),
  },
  { requiredKeys: [] },
);

/** A policy document with its keys shuffled, and the indentation to write it with. */
const policyDoc = (name: string) =>
  fc.tuple(policyBody, fc.array(fc.nat(20), { minLength: 4, maxLength: 16 }), fc.constantFrom(0, 1, 2, 4, '\t')).map(([body, order, indent]) => {
    const doc: Record<string, unknown> = { ...body, version: 1, name };
    if (doc['fs'] && typeof doc['fs'] === 'object') doc['fs'] = shuffled(doc['fs'] as Record<string, unknown>, order);
    return { doc: shuffled(doc, order), indent };
  });

const policyFile = (name: string) => policyDoc(name).map(({ doc, indent }) => JSON.stringify(doc, null, indent));

const spelled = fc
  .tuple(
    fc.array(fc.constantFrom('data', 'lakehouse', 'runs', 'a', 'b', 'a.csv', 'b.json', 'x', '.hidden', '..', 'DATA'), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
  )
  .map(([parts, absolute]) => `${absolute ? `${WS}/` : ''}${parts.join('/')}`);

function load(files: Record<string, string>): ResolvedPolicy {
  return loadPolicy(`${WS}/policies/top.json`, { workspace: WS, sys: memSys(files), builtinDir: '/builtin' }).policy;
}

/** allowed/denied and by which kind of rule (deny, allow, none). */
function verdicts(policy: ResolvedPolicy, probes: ReadonlyArray<readonly ['read' | 'write', string, string]>): string[] {
  const engines = new Map<string, ReturnType<typeof compilePolicy>>();
  return probes.map(([op, p, runId]) => {
    let engine = engines.get(runId);
    if (!engine) {
      engine = compilePolicy(policy, { workspace: WS, runId, sys: LEXICAL_SYS });
      engines.set(runId, engine);
    }
    const d = decideSpelled(engine, op, p);
    return `${op} ${p} ${runId}: ${d.allowed ? 'allow' : 'deny'} by ${d.rule?.list ?? 'none'}`;
  });
}

describe('policy fmt properties (seeded fast-check over generated policies and paths)', () => {
  it('formatted files parse with the schema, are a fixed point, and the effective policy decides every path the same', () => {
    let chains = 0;
    let changed = 0;
    const seen = { allow: 0, deny: 0 };
    fc.assert(
      fc.property(
        policyDoc('top'),
        fc.option(policyFile('base'), { nil: undefined }),
        fc.array(fc.tuple(fc.constantFrom('read' as const, 'write' as const), spelled, fc.constantFrom('a', 'b')), { minLength: 1, maxLength: 25 }),
        (top, base, probes) => {
          const topText = JSON.stringify(base === undefined ? top.doc : { ...top.doc, extends: 'base' }, null, top.indent);
          const original: Record<string, string> = { [`${WS}/policies/top.json`]: topText };
          if (base !== undefined) {
            original[`${WS}/policies/base.json`] = base;
            chains++;
          }
          const formatted: Record<string, string> = {};
          for (const [file, text] of Object.entries(original)) {
            const once = formatSource(file, text);
            if (once.changed) changed++;
            assert.equal(policySchema.safeParse(JSON.parse(once.text)).success, true, once.text);
            const twice = formatSource(file, once.text);
            assert.equal(twice.changed, false, `not idempotent:\n${once.text}\n---\n${twice.text}`);
            assert.ok(once.text.endsWith('}\n'));
            formatted[file] = once.text;
          }
          const before = load(original);
          const after = load(formatted);
          const decided = verdicts(before, probes);
          assert.deepEqual(verdicts(after, probes), decided);
          for (const v of decided) {
            if (v.includes(': allow by')) seen.allow++;
            if (v.endsWith('by fs.read.deny') || v.endsWith('by fs.write.deny')) seen.deny++;
          }
          // Everything else of the effective policy: equal, up to the order of the sets.
          const rest = (p: ResolvedPolicy) => ({
            ...p,
            chain: p.chain.map((c) => c.file),
            fs: null,
            env: { pass: [...p.env.pass].sort(), set: { ...p.env.set } },
            requires: p.requires.map((r) => r.pattern).sort(),
            protect: [...p.protect].sort(),
          });
          assert.deepEqual(rest(after), rest(before));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
    assert.ok(chains > 50, `only ${chains} runs with an extends chain`);
    assert.ok(changed > 100, `only ${changed} files changed by formatting`);
    // The probes reach both kinds of rule often enough for the comparison to mean something.
    assert.ok(seen.allow > 100 && seen.deny > 50, JSON.stringify(seen));
  });

  it('the names a report can give are the same set: every rule of the effective policy survives, exactly once', () => {
    fc.assert(
      fc.property(policyFile('top'), (text) => {
        const file = `${WS}/policies/top.json`;
        const before = load({ [file]: text });
        const after = load({ [file]: formatSource(file, text).text });
        for (const op of ['read', 'write'] as const) {
          for (const list of ['allow', 'deny'] as const) {
            const key = (r: { pattern: string; reason?: string }) => `${r.pattern}\0${r.reason ?? ''}`;
            assert.deepEqual(after.fs[op][list].map(key).sort(), before.fs[op][list].map(key).sort(), `${op}.${list}`);
          }
        }
        assert.deepEqual([...after.env.pass].sort(), [...before.env.pass].sort());
        assert.deepEqual([...after.protect].sort(), [...before.protect].sort());
      }),
      { seed: SEED + 1, numRuns: 300 },
    );
  });
});
