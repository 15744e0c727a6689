import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Directory of the built-in policy files (`strict.json`, `ingest.json`). The
 * compiled module lives at dist/policies/, the JSON files at policies/.
 */
export const BUILTIN_POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');

export const BUILTIN_POLICY_NAMES = Object.freeze(['strict', 'ingest'] as const);
