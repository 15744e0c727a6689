/**
 * What the resolver learned about directories, kept between decisions: that
 * a path is its own real path (no link, no `.` or `..` in it), and that a
 * path is a directory. A create (`writeFileSync(out/w-1.csv)`) or a read of a
 * file asks both of the parent every time (resolve-path.ts inDirectory): a
 * `realpath` and an `lstat`, about 14 µs of a guarded write's 25 µs on tmpfs.
 *
 * Both facts change only when a name is made, moved or removed: a link or a
 * directory made, a rename, an unlink, an rm. A write of contents (open,
 * writeFile, appendFile, copyFile, truncate, chmod, utimes) never changes what
 * an existing name resolves to, nor turns a directory into anything else. So
 * the guard calls `forget()` before and after every write that is not one of
 * those (fs-guard.ts CONTENT_WRITES), and the memory holds nothing a change
 * the guard saw could have made stale.
 *
 * What the guard cannot see: another process. A fact is remembered only for
 * a path that is its own real path (so no answer depends on a link
 * elsewhere), and used:
 * - for a write's decision, only inside the run dir, where no other sleeve of
 *   the batch may write: a stale answer elsewhere could send a write out;
 * - for a read's decision (`reading(true)` around it), anywhere: nothing in a
 *   batch writes where a sleeve reads, the bound the guard's memory of
 *   allowed reads already has (README, Known limits).
 * Nothing at all is remembered when this sleeve may start workers, child
 * processes or native addons (bootstrap.ts), which change the tree beside the
 * guard. A failed resolution is never remembered: it is asked again, so a
 * name that appears is seen.
 */
import type { FileKind } from '../policies/sys.js';
import { setAdd, setClear, setHas, uncurry } from './intrinsics.js';

export interface ResolutionMemory {
  /** `resolve(p)`, or `p` when it answered `p` before (and the fact is usable, see above). */
  realpath(p: string, resolve: (p: string) => string): string;
  /** `look(p)`, or 'dir' when it answered that before (and the fact is usable, see above). */
  kind(p: string, look: (p: string) => FileKind | undefined): FileKind | undefined;
  /** A name may have been made, moved or removed: nothing remembered holds. */
  forget(): void;
  /** Whether the decision being made is a read's (see above); a write's until said otherwise. */
  reading(yes: boolean): void;
}

/** Remembered paths at most; past it the memory starts over. */
const MAX_ENTRIES = 20_000;

const startsWith = uncurry(String.prototype.startsWith) as (s: string, prefix: string) => boolean;

/** `runDir`: the run dir's real path. Facts are learned anywhere and used as above. */
export function createResolutionMemory(runDir: string): ResolutionMemory {
  const below = `${runDir}/`;
  let forRead = false;
  /** Whether a fact about `p` may answer the decision being made. */
  const usable = (p: string) => forRead || p === runDir || startsWith(p, below);
  const real = new Set<string>();
  const dirs = new Set<string>();
  let size = 0;
  const room = () => {
    if (size < MAX_ENTRIES) return;
    setClear(real);
    setClear(dirs);
    size = 0;
  };
  return Object.freeze({
    realpath(p: string, resolve: (p: string) => string): string {
      if (usable(p) && setHas(real, p)) return p;
      const r = resolve(p);
      if (r === p && !setHas(real, p)) {
        room();
        setAdd(real, p);
        size++;
      }
      return r;
    },
    kind(p: string, look: (p: string) => FileKind | undefined): FileKind | undefined {
      if (usable(p) && setHas(dirs, p)) return 'dir';
      const k = look(p);
      if (k === 'dir' && !setHas(dirs, p)) {
        room();
        setAdd(dirs, p);
        size++;
      }
      return k;
    },
    forget(): void {
      if (size === 0) return;
      setClear(real);
      setClear(dirs);
      size = 0;
    },
    reading(yes: boolean): void {
      forRead = yes;
    },
  });
}
