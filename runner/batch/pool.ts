/**
 * The pre-warmed pool: which queued sleeves get their sandboxed process
 * started ahead of their turn. Pure, so the rule is data a test can read.
 *
 * A warm process is one sleeve's, bound at spawn to everything it will run
 * under (policy, run id, environment, Node's flags, the OS layer's mounts):
 * the runner spawns it exactly as it would at the sleeve's turn, and the
 * bootstrap sets the sandbox up and then blocks on its go pipe (spawn.ts,
 * sandbox/bootstrap.ts). "Go" is one byte with no data in it, so nothing can
 * be changed after spawn; a warm process never runs a second sleeve, and one
 * not needed (an interrupt, a failed prepare step) exits having run nothing.
 *
 * The rule: the first `depth` sleeves of the queue that run under the
 * bootstrap are kept warm (command steps are spawned at their turn: the
 * program is not ours to hold). The default depth is the cores the running
 * sleeves leave idle (`defaultWarm`): the next sleeves set themselves up
 * there, and when a slot frees the sleeve in it starts in milliseconds.
 */

/**
 * How many to keep warm when the user did not say: the cores the running sleeves leave idle. Warming is
 * CPU spent ahead of time: on an idle core it is free, and a sleeve then starts in milliseconds; where the
 * sleeves already use every core it only competes with them (measured: 32 trivial sleeves on 2 cores at
 * concurrency 2 took 2.20 s pooled against 1.97 s without, Node 24; README, Benchmarks).
 */
export function defaultWarm(cores: number, concurrency: number): number {
  return Math.max(0, cores - concurrency);
}

/** The sleeves to have warm now: the first `depth` of the queue that can be (its order is the start order). */
export function warmSet<T>(queue: readonly T[], canWarm: (s: T) => boolean, depth: number): T[] {
  const out: T[] = [];
  for (const s of queue) {
    if (out.length >= depth) break;
    if (canWarm(s)) out.push(s);
  }
  return out;
}
