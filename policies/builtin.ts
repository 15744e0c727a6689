import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicySource } from './types.js';

/**
 * Directory of the built-in policy files (`strict.json`, `ingest.json`). The
 * compiled module lives at dist/policies/, the JSON files at policies/.
 */
export const BUILTIN_POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');

export const BUILTIN_POLICY_NAMES = Object.freeze(['strict', 'ingest'] as const);

/**
 * The built-in a policy file shadows, if any: a workspace's policies/<built-in name>.json,
 * found by name or given by its path.
 */
export function shadowedBuiltin(source: PolicySource): string | undefined {
  const name = path.basename(source.file, '.json');
  if (!(BUILTIN_POLICY_NAMES as readonly string[]).includes(name)) return undefined;
  const dir = path.dirname(source.file);
  const inPolicies = source.kind === 'workspace' || (source.kind === 'file' && path.basename(dir) === 'policies' && dir !== BUILTIN_POLICY_DIR);
  return inPolicies ? name : undefined;
}
