/**
 * The escape corpus without the kernel: every attack of tests/escapes/attacks/
 * through `run --policy strict --os-layer off`, so that the JS guard, Node's
 * permission model and the auditor are proven on their own (see corpus.ts).
 */
import { ATTACKS, defineCorpus, listAttacks } from './corpus.js';

defineCorpus({ osLayer: 'off', attacks: listAttacks(ATTACKS), skip: false });
