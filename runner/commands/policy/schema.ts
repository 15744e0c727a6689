import { EXIT } from '../../../policies/errors.js';
import { policyTestJsonSchema } from '../../../policies/policy-test.js';
import { policyJsonSchema } from '../../../policies/schema.js';
import type { Io } from '../../io.js';

/** The JSON Schema of policy files, or with `test` of policy test files (`*.test.json`). */
export async function schemaCommand(io: Io, opts: { test?: boolean } = {}): Promise<number> {
  io.stdout(`${JSON.stringify(opts.test ? policyTestJsonSchema() : policyJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
