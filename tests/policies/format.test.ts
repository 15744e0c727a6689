/**
 * The canonical form (policies/format.ts): key order read from the zod
 * schemas, sets sorted and de-duplicated, every list classified, files that
 * do not load refused with their places, and the hint at the first difference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyError } from '../../policies/errors.js';
import { ORDERED_LISTS, UNORDERED_LISTS, canonicalText, firstDifference, formatKindOf, formatSource, listPathsOf } from '../../policies/format.js';
import { policyTestSchema } from '../../policies/policy-test.js';
import { policySchema } from '../../policies/schema.js';

function fmt(value: unknown, file = '/ws/policies/p.json'): string {
  return formatSource(file, JSON.stringify(value)).text;
}

describe('policy fmt: the canonical form', () => {
  it('orders keys as the schema declares them, recursively (read from policySchema, not a second list)', () => {
    const shuffled = {
      acknowledge: ['dead-deny'],
      fs: { write: { deny: [], allow: ['{runDir}/**'] }, read: { deny: [{ reason: 'no', path: 'b' }], allow: ['a'] } },
      name: 'p',
      resources: { cpus: 1, memoryMiB: 64, timeoutSeconds: 2 },
      version: 1,
      $schema: './schema/policy.schema.json',
      process: { addons: false, childProcess: true },
      net: false,
      env: { set: { B: '2', A: '1' }, pass: ['PATH'] },
    };
    const out = JSON.parse(fmt(shuffled)) as Record<string, Record<string, Record<string, unknown>>>;
    const schemaOrder = Object.keys(policySchema.shape);
    const present = schemaOrder.filter((k) => k in shuffled);
    assert.deepEqual(Object.keys(out), present);
    assert.deepEqual(Object.keys(out['fs'] ?? {}), ['read', 'write']);
    assert.deepEqual(Object.keys(out['fs']?.['write'] ?? {}), ['allow', 'deny']);
    assert.deepEqual(Object.keys((out['fs']?.['read']?.['deny'] as object[] | undefined)?.[0] ?? {}), ['path', 'reason']);
    assert.deepEqual(Object.keys(out['resources'] ?? {}), ['memoryMiB', 'timeoutSeconds', 'cpus']);
    assert.deepEqual(Object.keys(out['process'] ?? {}), ['childProcess', 'addons']);
    assert.deepEqual(Object.keys(out['env'] ?? {}), ['pass', 'set']);
    assert.deepEqual(Object.keys(out['env']?.['set'] ?? {}), ['A', 'B']);
  });

  it('sorts and de-duplicates the lists whose order has no meaning; a reasoned deny sorts before a bare one of the same path', () => {
    const out = JSON.parse(
      fmt({
        version: 1,
        name: 'p',
        fs: {
          read: {
            allow: ['{runDir}/**', 'data/lakehouse/**', 'data/**', 'data/lakehouse/**'],
            deny: ['z', { path: 'y', reason: 'b' }, 'y', { reason: 'a', path: 'y' }, 'z'],
          },
        },
        env: { pass: ['TV_*', 'PATH', 'TV_*', 'HOME'] },
        requires: ['data/z', 'data/a', 'data/a'],
        audit: { protect: ['data/lakehouse/**', 'config/**'] },
        acknowledge: ['write-outside-runs', 'dead-deny', 'dead-deny'],
      }),
    ) as {
      fs: { read: { allow: string[]; deny: unknown[] } };
      env: { pass: string[] };
      requires: string[];
      audit: { protect: string[] };
      acknowledge: string[];
    };
    assert.deepEqual(out.fs.read.allow, ['data/**', 'data/lakehouse/**', '{runDir}/**']);
    assert.deepEqual(out.fs.read.deny, [{ path: 'y', reason: 'a' }, { path: 'y', reason: 'b' }, 'y', 'z']);
    assert.deepEqual(out.env.pass, ['HOME', 'PATH', 'TV_*']);
    assert.deepEqual(out.requires, ['data/a', 'data/z']);
    assert.deepEqual(out.audit.protect, ['config/**', 'data/lakehouse/**']);
    assert.deepEqual(out.acknowledge, ['dead-deny', 'write-outside-runs']);
  });

  it('formats the file as written: no zod default is added, $schema is kept, 2 spaces and a final newline', () => {
    const text = fmt({ $schema: 'x.json', version: 1, name: 'p', fs: { read: { allow: ['a'] } } });
    assert.equal(
      text,
      '{\n  "$schema": "x.json",\n  "version": 1,\n  "name": "p",\n  "fs": {\n    "read": {\n      "allow": [\n        "a"\n      ]\n    }\n  }\n}\n',
    );
    assert.equal(formatSource('/p.json', text).changed, false);
  });

  it("test files: keys in the test schema's order, the cases in their own order", () => {
    const file = '/ws/policies/p.test.json';
    assert.equal(formatKindOf(file), 'policy-test');
    assert.equal(formatKindOf('/ws/policies/p.json'), 'policy');
    const out = JSON.parse(
      fmt(
        {
          cases: [
            { expect: 'deny', path: 'z', op: 'write', rule: null, name: 'second' },
            { expect: 'allow', runId: 'a', path: 'a', op: 'read' },
          ],
          version: 1,
          $schema: './schema/policy-test.schema.json',
          policy: 'strict',
        },
        file,
      ),
    ) as { cases: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(out), ['$schema', 'version', 'policy', 'cases']);
    assert.deepEqual(Object.keys(out.cases[0] ?? {}), ['name', 'op', 'path', 'expect', 'rule']);
    assert.deepEqual(Object.keys(out.cases[1] ?? {}), ['op', 'path', 'runId', 'expect']);
    assert.equal(out.cases[0]?.['name'], 'second');
  });

  it('classifies every list of both schemas as ordered or a set (a new list must be placed)', () => {
    const matches = (pattern: ReadonlyArray<string | number>, at: ReadonlyArray<string | number>) =>
      pattern.length === at.length && pattern.every((p, i) => p === '*' || p === at[i]);
    const lists = [...listPathsOf(policySchema), ...listPathsOf(policyTestSchema)];
    assert.ok(lists.length >= 8, JSON.stringify(lists));
    for (const at of lists) {
      const classes = [...UNORDERED_LISTS, ...ORDERED_LISTS].filter((p) => matches(p, at));
      assert.equal(classes.length, 1, `list ${at.join('.')} must be in exactly one of UNORDERED_LISTS and ORDERED_LISTS`);
    }
    for (const p of [...UNORDERED_LISTS, ...ORDERED_LISTS])
      assert.ok(
        lists.some((at) => matches(p, at)),
        `classified ${p.join('.')} is no list of a schema`,
      );
  });

  it('is a fixed point on its own output and on the shipped form', () => {
    const once = fmt({ name: 'p', version: 1, env: { set: { Z: '1', A: '2' } } });
    assert.equal(formatSource('/p.json', once).changed, false);
    assert.equal(canonicalText('policy', JSON.parse(once)), once);
  });

  it('a byte order mark and CRLF line ends are not canonical', () => {
    const canonical = fmt({ version: 1, name: 'p' });
    assert.equal(formatSource('/p.json', `\ufeff${canonical}`).changed, true);
    assert.equal(formatSource('/p.json', canonical.replace(/\n/g, '\r\n')).text, canonical);
    assert.equal(formatSource('/p.json', canonical.trimEnd()).changed, true);
  });
});

describe('policy fmt: files that do not load are refused with their places', () => {
  const refused = (text: string, line: number, fragment: RegExp, file = '/ws/policies/p.json') =>
    assert.throws(
      () => formatSource(file, text),
      (e: unknown) => {
        assert.ok(e instanceof PolicyError, String(e));
        assert.equal(e.exitCode, 2);
        assert.equal(e.diagnostics[0]?.line, line, JSON.stringify(e.diagnostics));
        assert.match(e.diagnostics.map((d) => d.message).join('\n'), fragment);
        return true;
      },
    );

  it('invalid JSON, a comment, a trailing comma', () => {
    refused('{\n  "version": 1,\n  "name": \n}\n', 4, /invalid JSON/);
    refused('{\n  // no\n  "version": 1, "name": "p"\n}\n', 2, /comments are not allowed/);
    refused('{\n  "version": 1,\n  "name": "p",\n}\n', 4, /trailing comma/);
  });

  it('schema errors (policy and test file), with the JSON path', () => {
    refused('{\n  "version": 1,\n  "name": "p",\n  "fs": { "read": { "allow": ["../x"] } }\n}\n', 4, /"\.\." segments/);
    refused(
      '{\n  "version": 1,\n  "cases": [\n    { "op": "read", "path": "x", "expect": "yes" }\n  ]\n}\n',
      4,
      /"allow" or "deny"/,
      '/ws/policies/p.test.json',
    );
  });

  it('a key given twice: the formatter will not pick one', () => {
    refused('{\n  "version": 1,\n  "name": "p",\n  "name": "q"\n}\n', 4, /given twice/);
  });
});

describe('policy fmt --check hint', () => {
  it('shows the first differing line of each side', () => {
    const hint = firstDifference('p.json', '{\n  "a": 1,\n  "b": [2, 1]\n}\n', '{\n  "a": 1,\n  "b": [\n    1,\n');
    assert.equal(hint.split('\n').slice(0, 3).join('\n'), '--- p.json\n+++ p.json (canonical)\n@@ line 3 @@');
    assert.ok(hint.includes('\n-  "b": [2, 1]\n'), hint);
    assert.ok(hint.includes('\n+  "b": [\n'), hint);
  });
});
