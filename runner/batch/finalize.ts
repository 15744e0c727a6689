/**
 * The combine step (`finalize` in the manifest) reads what the batch's
 * sleeves wrote. When the runner is root, each sleeve ran as a uid of its own
 * (os-layer.ts) and its files may be private to that uid (Python's tempfile
 * makes 0600 files), so the kernel would refuse the combine step what its
 * policy grants. Before it starts, the runner opens exactly those files to
 * it: read for others (`o+r`) on each regular file its policy lets it read,
 * `o+x` on the directories above them inside the run dirs (and `o+r` on those
 * it may list). Never a write bit; symlinks are never followed or changed; a
 * file with more than one link is left as it is (its mode is shared with a
 * name elsewhere). The sleeves have ended (their sandboxes are gone), so
 * nothing can swap a name between the check and the change; the policy (the
 * guard and the OS layer's mounts, which hold only this batch's run dirs)
 * stays the boundary.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPolicy } from '../../policies/engine.js';

export interface OpenedForCombine {
  files: number;
  dirs: number;
  /** Files its policy grants that were left closed (more than one link). */
  skipped: string[];
}

const MAX_ENTRIES = 100_000;

/** Adds read (and directory search) for others where `engine` lets the combine step read, in each run dir. */
export function openBatchResults(runDirs: readonly string[], engine: Pick<CompiledPolicy, 'decide'>): OpenedForCombine {
  const out: OpenedForCombine = { files: 0, dirs: 0, skipped: [] };
  let seen = 0;
  const add = (p: string, st: fs.Stats, bits: number) => {
    if ((st.mode & bits) === bits) return;
    fs.chmodSync(p, (st.mode & 0o7777) | bits);
  };
  /** Returns whether anything below (or the directory itself) is readable to the combine step. */
  const walk = (dir: string): boolean => {
    let any = false;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return false;
    }
    for (const name of names) {
      if (++seen > MAX_ENTRIES) return any;
      const p = path.join(dir, name);
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (!st || st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        const listable = engine.decide('read', p).allowed;
        if (walk(p) || listable) {
          add(p, fs.lstatSync(p), listable ? 0o005 : 0o001);
          out.dirs++;
          any = true;
        }
      } else if (st.isFile() && engine.decide('read', p).allowed) {
        if (st.nlink > 1) {
          out.skipped.push(p);
          continue;
        }
        add(p, st, 0o004);
        out.files++;
        any = true;
      }
    }
    return any;
  };
  for (const dir of runDirs) {
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) continue;
    if (walk(dir) || engine.decide('read', dir).allowed) add(dir, st, engine.decide('read', dir).allowed ? 0o005 : 0o001);
  }
  return out;
}
