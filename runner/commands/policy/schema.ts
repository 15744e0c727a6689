import { EXIT } from '../../../policies/errors.js';
import { policyJsonSchema } from '../../../policies/schema.js';
import type { Io } from '../../cli.js';

export async function schemaCommand(io: Io): Promise<number> {
  io.stdout(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
