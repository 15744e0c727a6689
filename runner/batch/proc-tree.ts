/**
 * Resident memory of a process and everything below it, from /proc. Inside
 * the OS layer the runner's child is bubblewrap, and the sleeve is a
 * grandchild in a pid namespace of its own: the memory cap must count the
 * whole tree. /proc/<pid>/task/<tid>/children is not in every kernel, so the
 * tree comes from each process's parent pid in /proc/<pid>/stat.
 */
import fs from 'node:fs';

function parentOf(pid: string): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the last ")" ends it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  } catch {
    return undefined;
  }
}

function residentKiB(pid: string): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The command name of a process (comm), or undefined when it is gone. */
export function processName(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return undefined;
  }
}

/** Pids of `root` and all its descendants (root first); [root] alone when /proc cannot be listed. */
export function processTree(root: number): number[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
  } catch {
    return [root];
  }
  const children = new Map<string, string[]>();
  for (const pid of names) {
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [root];
  const queue = [String(root)];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      out.push(Number(child));
      queue.push(child);
    }
  }
  return out;
}

/** Resident KiB of the tree under `root` (or of `root` alone). */
export function treeResidentKiB(root: number, wholeTree: boolean): number {
  const pids = wholeTree ? processTree(root) : [root];
  return pids.reduce((sum, pid) => sum + residentKiB(String(pid)), 0);
}
