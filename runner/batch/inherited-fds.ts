/**
 * Descriptors the runner inherited without close-on-exec would pass on to
 * every sleeve: whatever started the runner (a shell, make's jobserver, a CI
 * agent) may have left a pipe or a socket open, and neither libuv's spawn nor
 * bubblewrap closes descriptors beyond the ones a child is given. A sleeve
 * could then write to its parent's parent (the escape corpus found exactly
 * that: a pipe at fd 251 inside the sandbox). So before the first sleeve
 * starts, the runner closes every descriptor above stdio that is not
 * close-on-exec: everything libuv and Node open themselves is, so what is
 * left was inherited, and the runner does not use it.
 *
 * `leakingFds` is the pure rule (tested in-process); `closeLeakingFds` reads
 * /proc/self/fdinfo (Linux) and closes them.
 */
import fs from 'node:fs';

/** O_CLOEXEC as /proc/<pid>/fdinfo prints it (octal flags). */
const O_CLOEXEC = 0o2000000;

export function leakingFds(entries: ReadonlyArray<{ fd: number; flags: number }>, keep: ReadonlySet<number>): number[] {
  return entries.filter((e) => e.fd > 2 && !keep.has(e.fd) && (e.flags & O_CLOEXEC) === 0).map((e) => e.fd);
}

/** The flags of one fdinfo text, or undefined. */
export function fdinfoFlags(text: string): number | undefined {
  const m = /^flags:\s*([0-7]+)$/m.exec(text);
  return m ? Number.parseInt(m[1] as string, 8) : undefined;
}

/** Closes what would leak; returns the descriptors it closed. Does nothing where /proc has no fdinfo. */
export function closeLeakingFds(env: NodeJS.ProcessEnv = process.env): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc/self/fdinfo');
  } catch {
    return [];
  }
  const entries: Array<{ fd: number; flags: number }> = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd)) continue;
    try {
      const flags = fdinfoFlags(fs.readFileSync(`/proc/self/fdinfo/${name}`, 'utf8'));
      if (flags !== undefined) entries.push({ fd, flags });
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  // Node's IPC channel to a parent that forked us with one: Node uses it.
  const keep = new Set<number>(env.NODE_CHANNEL_FD ? [Number(env.NODE_CHANNEL_FD)] : []);
  const closed: number[] = [];
  for (const fd of leakingFds(entries, keep)) {
    try {
      fs.closeSync(fd);
      closed.push(fd);
    } catch {
      // already gone
    }
  }
  return closed;
}
