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
  maxEvents?: number;
}

export function startWatcher(opts: WatchOptions): Watcher {
  const max = opts.maxEvents ?? 200_000;
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
      const base = path.basename(p);
      if (base === '.git' || base === 'node_modules') return true;
      if (opts.excludeAbs.some((x) => p === x || p.startsWith(`${x}${path.sep}`))) return true;
      if (isIgnored(r)) return true;
      // Nothing below a run directory gets a watch of its own: a sleeve may make
      // thousands of files there, and each watch costs the runner while the sleeve
      // works. The run directory's own raw events date what appears in it; the
      // manifests account for all of it.
      if (/^runs\/[^/]+\/./.test(r)) return true;
      if (inProtectedTree(r)) return true; // watched below, without chokidar
      return stats?.isFile() === true && isProtected(r);
    },
  });
  const plain: fs.FSWatcher[] = [];
  const watchPlain = (dirRel: string) => {
    if (plain.length >= 50_000) {
      overflowed = true;
      return;
    }
    const dirAbs = path.join(opts.workspace, dirRel);
    try {
      const w = fs.watch(dirAbs, { persistent: false }, (event, name) => {
        const child = name ? path.join(dirAbs, String(name)) : dirAbs;
        record(`raw:${event}`, child);
        if (event === 'rename' && name) {
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
    } catch {
      overflowed = true;
    }
  };
  for (const dir of opts.protectedDirs) watchPlain(dir);
  watcher.on('all', (event, p) => record(event, p));
  watcher.on('raw', (event, p, details) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    const full = watched && p && !path.isAbsolute(String(p)) ? path.join(watched, String(p)) : String(p ?? watched ?? '');
    if (full) record(`raw:${event}`, full);
  });
  watcher.on('error', () => {
    overflowed = true;
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    events: () => events,
    overflow: () => overflowed,
    close: async () => {
      for (const w of plain) w.close();
      await watcher.close();
    },
    firstSeen(p, fromMs) {
      // Raw directory events carry the child's name, so they are recorded at the
      // child's own path: an event at a directory says nothing about what is below it...
      for (const e of events) {
        if (e.at >= fromMs && e.path === p) return e.at;
      }
      // ...except when the directory itself appeared during the batch: what was made in
      // it before its watch was set up is dated by its creation.
      for (let dir = path.posix.dirname(p); dir !== '.' && dir !== '/'; dir = path.posix.dirname(dir)) {
        for (const e of events) {
          if (e.at >= fromMs && e.path === dir && (e.event === 'addDir' || e.event === 'raw:rename')) return e.at;
        }
      }
      return undefined;
    },
  };
}
