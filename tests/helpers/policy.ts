import type { ResolvedPolicy } from '../../policies/types.js';

const origin = { file: 'mem.json', line: 1, column: 1, jsonPath: '' };

type Rules = { allow: string[]; deny: string[] };

/** An in-memory effective policy: fs rules by pattern, everything else at its default unless overridden. */
export function policyOf(read: Rules, write: Rules, extra: Partial<ResolvedPolicy> = {}): ResolvedPolicy {
  const rules = (r: Rules) => ({
    allow: r.allow.map((pattern) => ({ pattern, origin })),
    deny: r.deny.map((pattern) => ({ pattern, origin })),
  });
  return {
    name: 'mem',
    description: '',
    chain: [],
    fs: { read: rules(read), write: rules(write) },
    env: { pass: [], set: {} },
    net: false,
    process: { childProcess: false, workers: false, addons: false },
    resources: {},
    requires: [],
    protect: [],
    mode: 'process',
    osLayer: 'auto',
    ...extra,
  };
}
