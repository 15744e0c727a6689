/**
 * Which sleeve starts next, by CPUs and memory, as Ray places actors: the
 * batch has a pool (CPUs and MiB), each sleeve asks for a share of both, and a
 * sleeve starts only when both fit beside the ones running, and when fewer
 * than `maxRunning` (`--concurrency`) run.
 *
 * The rule is strict FIFO in manifest order: only the head of the queue may
 * start; when it does not fit, nothing behind it starts, even a smaller one
 * that would. That costs some packing (a 1-cpu sleeve waits behind a 2-cpu
 * one) and buys the simplest guarantee there is: no sleeve waits on a sleeve
 * declared after it, so none starves, and the start order is the manifest's.
 * Every ask fits the empty pool (`askProblem` refuses the others before
 * anything runs), so the head always starts once the running ones end.
 *
 * Pure: no clock, no processes. CPUs are counted in thousandths (a policy may
 * ask for 0.5) so sums never drift as floating point would.
 */

/** What a sleeve asks for, or what the pool holds. */
export interface Resources {
  cpus: number;
  memoryMiB: number;
}

/** The seeds' actors: one CPU and 3 GiB each. */
export const DEFAULT_ASK: Readonly<Resources> = Object.freeze({ cpus: 1, memoryMiB: 3072 });

/** Memory the default pool leaves to the runner, the OS and the page cache: 10% of the machine, at least 1 GiB. */
export function memoryReserveMiB(totalMiB: number): number {
  return Math.max(1024, Math.ceil(totalMiB / 10));
}

/** The pool when no flag sets it: the available parallelism, and the machine's memory less the reserve. */
export function defaultPool(availableParallelism: number, totalMemoryMiB: number): Resources {
  return { cpus: availableParallelism, memoryMiB: Math.max(0, Math.floor(totalMemoryMiB - memoryReserveMiB(totalMemoryMiB))) };
}

const milli = (cpus: number) => Math.round(cpus * 1000);

/** Whether `ask` fits beside `running` in `pool`. */
export function fits(pool: Resources, running: readonly Resources[], ask: Resources): boolean {
  let cpu = milli(ask.cpus);
  let mem = ask.memoryMiB;
  for (const r of running) {
    cpu += milli(r.cpus);
    mem += r.memoryMiB;
  }
  return cpu <= milli(pool.cpus) && mem <= pool.memoryMiB;
}

/** Why `ask` can never fit in `pool` (it asks more than the totals), or undefined. */
export function askProblem(pool: Resources, ask: Resources): string | undefined {
  const over: string[] = [];
  if (milli(ask.cpus) > milli(pool.cpus)) over.push(`${ask.cpus} cpus of ${pool.cpus}`);
  if (ask.memoryMiB > pool.memoryMiB) over.push(`${ask.memoryMiB} MiB of ${pool.memoryMiB} MiB`);
  return over.length === 0 ? undefined : `asks for ${over.join(' and ')}`;
}

/**
 * The index in `queue` of the sleeve to start now, or undefined to wait for
 * one of the running to end. Strict FIFO: 0 or undefined.
 */
export function nextToStart(pool: Resources, running: readonly Resources[], queue: readonly Resources[], maxRunning: number): number | undefined {
  const head = queue[0];
  if (head === undefined || running.length >= maxRunning) return undefined;
  return fits(pool, running, head) ? 0 : undefined;
}
