/**
 * The escape corpus inside the kernel boundary: every attack of
 * tests/escapes/attacks/ a second time, and the OS-layer family of
 * tests/escapes/os-attacks/ (Python sleeves, a native addon, V8 flags, raw
 * handles, signals, /proc, ptrace, mount and namespaces, devices), through
 * `run --policy strict --os-layer required` (see corpus.ts). Skipped where
 * bubblewrap cannot run, except in CI, where that is a failure.
 */
import { needsOsLayer } from '../helpers/os-layer.js';
import { ATTACKS, OS_ATTACKS, defineCorpus, listAttacks } from './corpus.js';

defineCorpus({ osLayer: 'required', attacks: [...listAttacks(ATTACKS), ...listAttacks(OS_ATTACKS)], skip: needsOsLayer });
