/**
 * The verdict of a batch and its exit code: one pure rule, used by the runner
 * to write a report and by `audit verify` to recompute one from a report's own
 * contents (so an edited verdict is caught). Tested in-process as a table.
 *
 * `clean` means the full proof: every sleeve ended ok, nothing was denied, the
 * auditor ran over the whole scope with hashes, and every change was
 * explained. Anything less says so:
 *
 * | verdict      | exit | when                                                                  |
 * |--------------|------|-----------------------------------------------------------------------|
 * | `error`      | 70   | the runner failed inside (the report is the minimal one it could write) |
 * | `violations` | 3    | a change nobody may have made, or an operation the sandbox refused     |
 * | `failed`     | 1    | a sleeve did not end ok (non-zero exit, crash, timeout, oom, ...)      |
 * | `unaudited`  | 4    | the sleeves ended ok, but the auditor was off (`--no-audit`)           |
 * | `partial`    | 4    | the sleeves ended ok, but the proof was weakened (`weakened` says how) |
 * | `clean`      | 0    | the full proof                                                         |
 * | `running`    | -    | the batch has not finished (the early report; the runner died if it stays) |
 */
import { EXIT } from '../../policies/errors.js';

export const VERDICTS = ['running', 'clean', 'violations', 'failed', 'partial', 'unaudited', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The exit code of each final verdict; `running` has none. */
export const VERDICT_EXIT: Readonly<Record<Exclude<Verdict, 'running'>, number>> = Object.freeze({
  clean: EXIT.ok,
  failed: EXIT.sleeveFailed,
  violations: EXIT.denied,
  partial: EXIT.unproven,
  unaudited: EXIT.unproven,
  error: EXIT.internal,
});

export interface VerdictFacts {
  sleeves: ReadonlyArray<{ status: string; denials: number }>;
  violations: number;
  /** The auditor ran. */
  audited: boolean;
  /** Why the proof is incomplete (an excluded part of a protected zone, hashes skipped, reports dropped past a cap). */
  weakened: readonly string[];
  /** The runner's own failure. */
  error?: string;
}

export function decideVerdict(f: VerdictFacts): { verdict: Exclude<Verdict, 'running'>; exitCode: number } {
  const verdict: Exclude<Verdict, 'running'> =
    f.error !== undefined
      ? 'error'
      : f.violations > 0 || f.sleeves.some((s) => s.denials > 0)
        ? 'violations'
        : f.sleeves.some((s) => s.status !== 'ok')
          ? 'failed'
          : !f.audited
            ? 'unaudited'
            : f.weakened.length > 0
              ? 'partial'
              : 'clean';
  return { verdict, exitCode: VERDICT_EXIT[verdict] };
}
