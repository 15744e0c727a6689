/**
 * Finding a sleeve's processes from the host. A sleeve's own `process.pid` is
 * its pid in whatever pid namespace it runs in (the OS layer gives it one of
 * its own, where it is pid 2 or 3), so tests do not trust pids a sleeve wrote:
 * they look in the host's /proc for processes whose environment names the
 * sleeve's run dir (every sleeve process, and whatever it started, has
 * SLEEVE_RUN_DIR in its environment block).
 */
import fs from 'node:fs';

/** Host pids of the living processes whose environment has SLEEVE_RUN_DIR under `prefix` (a run dir or a workspace). */
export function livingSleeveProcesses(prefix: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    for (const entry of environ.split('\0')) {
      if (!entry.startsWith('SLEEVE_RUN_DIR=')) continue;
      const dir = entry.slice('SLEEVE_RUN_DIR='.length);
      if (dir === prefix || dir.startsWith(`${prefix}/`)) {
        let state = '';
        try {
          state =
            fs
              .readFileSync(`/proc/${name}/stat`, 'latin1')
              .replace(/^.*\) /s, '')
              .split(' ')[0] ?? '';
        } catch {
          break;
        }
        if (state !== 'Z') out.push(Number(name));
      }
      break;
    }
  }
  return out;
}

/** Waits up to `ms` for every sleeve process under `prefix` to be gone; returns the survivors (empty when none). */
export async function waitForNoSleeves(prefix: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = livingSleeveProcesses(prefix);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILLs every living sleeve process under `prefix` (cleanup after a test whose runner orphaned them). */
export function killSleeves(prefix: string): void {
  for (const pid of livingSleeveProcesses(prefix)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
