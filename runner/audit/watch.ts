/**
 * Live attribution: a chokidar watcher over the scope that records when each
 * change happened, so a violation can name the sleeves running then. It is
 * never taken as proof (inotify drops events silently when its queue
 * overflows); the manifests are the proof.
 *
 * Protected trees (by default the lakehouse) are kept away from chokidar
 * altogether: its crawl would lstat every file, and a per-file watch on a
 * large lakehouse would cost one kernel watch each. Instead each of their
 * directories (known from the first manifest) gets one plain fs.watch, whose
 * events carry the name of the entry that changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import picomatch from 'picomatch';
import { isWithin, patternBase } from '../../policies/patterns.js';
import { DEFAULT_RUNS_DIR } from '../../policies/runs-dir.js';
import { foldUp } from './fold-up.js';
import { TOP_LEVEL_IGNORED } from './scan.js';

/** A run dir `<runsDir>/<id>` (and what is below it): kept away from chokidar. */
function runDirMatchers(runsDir: string): { orBelow: (r: string) => boolean; runDir: (r: string) => boolean } {
  const prefix = `${runsDir}/`;
  const id = (r: string) => (r.startsWith(prefix) ? r.slice(prefix.length) : undefined);
  return {
    orBelow: (r) => {
      const rest = id(r);
      return rest !== undefined && rest !== '' && !rest.startsWith('/');
    },
    runDir: (r) => {
      const rest = id(r);
      return rest !== undefined && rest !== '' && !rest.includes('/');
    },
  };
}

export interface WatchEvent {
  /** ms since the epoch. */
  at: number;
  event: string;
  /** Workspace-relative. */
  path: string;
}

export interface Watcher {
  ready: Promise<void>;
  events(): WatchEvent[];
  overflow(): boolean;
  close(): Promise<void>;
  /** First time the watcher saw this path change (or the creation of a new directory it lies in). */
  firstSeen(rel: string, fromMs: number): number | undefined;
}

export interface WatchOptions {
  workspace: string;
  ignore: readonly string[];
  excludeAbs: readonly string[];
  protect: readonly string[];
  /** Workspace-relative directories of the protected trees, from the first manifest. */
  protectedDirs: readonly string[];
  /** Workspace-relative run root (default `runs`). */
  runsDir?: string;
  maxEvents?: number;
}

export function startWatcher(opts: WatchOptions): Watcher {
  const max = opts.maxEvents ?? 200_000;
  const runsDir = opts.runsDir ?? DEFAULT_RUNS_DIR;
  const isRunDir = runDirMatchers(runsDir);
  const isIgnored = opts.ignore.length > 0 ? picomatch(opts.ignore as string[], { dot: true }) : () => false;
  const isProtected = opts.protect.length > 0 ? picomatch(opts.protect as string[], { dot: true }) : () => false;
  const protectBases = opts.protect.map((g) => patternBase(g)).filter((b) => b !== '' && b !== '.');
  const inProtectedTree = (r: string) => protectBases.some((b) => isWithin(r, b));
  const events: WatchEvent[] = [];
  let overflowed = false;
  const rel = (p: string) => path.relative(opts.workspace, path.resolve(opts.workspace, p)).split(path.sep).join('/');
  const record = (event: string, p: string) => {
    if (events.length >= max) {
      overflowed = true;
      return;
    }
    events.push({ at: Date.now(), event, path: rel(p) });
  };
  const watcher: FSWatcher = watch(opts.workspace, {
    ignoreInitial: true,
    persistent: true,
    followSymlinks: false,
    alwaysStat: false,
    ignored: (p: string, stats?: { isFile(): boolean; isDirectory(): boolean }) => {
      const r = rel(p);
      if (r === '' || r === '.') return false;
      // Only the workspace's own top-level .git and node_modules: a deeper one is watched like any name.
      if (TOP_LEVEL_IGNORED.includes(r)) return true;
      if (opts.excludeAbs.some((x) => p === x || p.startsWith(`${x}${path.sep}`))) return true;
      if (isIgnored(r)) return true;
      // Run directories are kept away from chokidar: a sleeve may make 100,000 files
      // there, and chokidar reads a watched directory again after its changes (a
      // quadratic cost to the runner while the sleeve works). Each run directory
      // gets one plain fs.watch instead (below), nothing under it a watch of its own:
      // its raw events date what appears in it; the manifests account for all of it.
      if (isRunDir.orBelow(r)) return true;
      if (inProtectedTree(r)) return true; // watched below, without chokidar
      return stats?.isFile() === true && isProtected(r);
    },
  });
  const plain: fs.FSWatcher[] = [];
  const plainDirs = new Set<string>();
  /** One fs.watch on a directory; `deep`: a new directory in it gets one too (protected trees, not run dirs). */
  const watchPlain = (dirRel: string, deep = true) => {
    if (plainDirs.has(dirRel)) return;
    if (plain.length >= 50_000) {
      overflowed = true;
      return;
    }
    const dirAbs = path.join(opts.workspace, dirRel);
    try {
      const w = fs.watch(dirAbs, { persistent: false }, (event, name) => {
        const child = name ? path.join(dirAbs, String(name)) : dirAbs;
        record(`raw:${event}`, child);
        if (deep && event === 'rename' && name) {
          // A new directory in a protected tree gets its own watch.
          try {
            if (fs.lstatSync(child).isDirectory()) watchPlain(path.relative(opts.workspace, child));
          } catch {
            // gone again
          }
        }
      });
      w.on('error', () => {});
      plain.push(w);
      plainDirs.add(dirRel);
    } catch {
      overflowed = true;
    }
  };
  for (const dir of opts.protectedDirs) watchPlain(dir);
  const watchRunDir = (r: string) => {
    try {
      if (fs.lstatSync(path.join(opts.workspace, r)).isDirectory()) watchPlain(r, false);
    } catch {
      // gone again, or never there
    }
  };
  try {
    for (const name of fs.readdirSync(path.join(opts.workspace, runsDir))) watchRunDir(`${runsDir}/${name}`);
  } catch {
    // no run root yet
  }
  watcher.on('all', (event, p) => record(event, p));
  watcher.on('raw', (event, p, details) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    const full = watched && p && !path.isAbsolute(String(p)) ? path.join(watched, String(p)) : String(p ?? watched ?? '');
    if (!full) return;
    record(`raw:${event}`, full);
    // A run directory made during the batch (the runner makes them after begin()) gets its plain watch.
    const r = rel(full);
    if (event === 'rename' && isRunDir.runDir(r)) watchRunDir(r);
  });
  watcher.on('error', () => {
    overflowed = true;
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const index = createEventIndex(() => events);
  return {
    ready,
    events: () => events,
    overflow: () => overflowed,
    close: async () => {
      for (const w of plain) w.close();
      await watcher.close();
    },
    firstSeen: (p, fromMs) => index.firstSeen(p, fromMs),
  };
}

export interface EventIndex {
  /** First time an event at this path was recorded (or the creation of a new directory it lies in), from fromMs on. */
  firstSeen(rel: string, fromMs: number): number | undefined;
}

/**
 * The events indexed by path, once: each event is read once (new events are
 * taken in on the next question), each directory's answer is kept, so
 * answering for every change costs linear time in events plus changes, and
 * the maps hold at most one entry per event or per directory asked about.
 */
export function createEventIndex(events: () => readonly WatchEvent[]): EventIndex {
  let from = Number.NaN;
  let read = 0;
  /** Path -> the first event at it. */
  let first = new Map<string, number>();
  /** Directory -> the first event that made it (addDir, or a raw rename at its own path). */
  let made = new Map<string, number>();
  /** Directory -> the creation time of the nearest directory at or above it that appeared, or null. */
  let nearest = new Map<string, number | null>();
  const update = (fromMs: number) => {
    if (fromMs !== from) {
      from = fromMs;
      read = 0;
      first = new Map();
      made = new Map();
    }
    const all = events();
    if (read === all.length) return;
    for (; read < all.length; read++) {
      const e = all[read] as WatchEvent;
      if (e.at < from) continue;
      if (!first.has(e.path)) first.set(e.path, e.at);
      if ((e.event === 'addDir' || e.event === 'raw:rename') && !made.has(e.path)) made.set(e.path, e.at);
    }
    nearest = new Map(); // what was answered before may have changed with the new events
  };
  // The nearest ancestor made during the batch, answered once per directory (fold-up.ts).
  const nearestMade = (dir: string): number | undefined =>
    dir === '.' || dir === '/' || dir === ''
      ? undefined
      : (foldUp<number | null>(
          dir,
          nearest,
          (d) => {
            const up = path.posix.dirname(d);
            return up === '.' || up === '/' || up === '' || up === d ? undefined : up;
          },
          (d, above) => made.get(d) ?? above,
          null,
        ) ?? undefined);
  return {
    firstSeen(p, fromMs) {
      update(fromMs);
      // Raw directory events carry the child's name, so they are recorded at the
      // child's own path: an event at a directory says nothing about what is below it...
      const own = first.get(p);
      if (own !== undefined) return own;
      // ...except when the directory itself appeared during the batch: what was made in
      // it before its watch was set up is dated by its creation (the nearest such directory).
      return nearestMade(path.posix.dirname(p));
    },
  };
}
