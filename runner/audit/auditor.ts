/**
 * The auditor: a manifest of the scope before the batch, a watcher during it,
 * a manifest after it, and the accounting of every difference.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createNodeSys } from '../../policies/node-sys.js';
import { patternBase } from '../../policies/patterns.js';
import { DEFAULT_RUNS_DIR } from '../../policies/runs-dir.js';
import { type AccountedSleeve, accountChangesBounded } from './account.js';
import { type Manifest, TOP_LEVEL_IGNORED, diffManifests, scanWorkspace } from './scan.js';
import type { Violation } from './schema.js';
import { type Watcher, startWatcher } from './watch.js';

export interface AuditorOptions {
  workspace: string;
  ignore: readonly string[];
  excludeAbs: readonly string[];
  protect: readonly string[];
  hash: boolean;
  watch: boolean;
  /** Workspace-relative run root (default `runs`): where run dirs and the batch ledger live. */
  runsDir?: string;
}

export interface AuditOutcome {
  violations: Violation[];
  filesChecked: number;
  hashed: number;
  changed: number;
  watcherEvents: number;
  watcherOverflow: boolean;
  /**
   * Everything the audit left out of scope, in this order: the workspace's own
   * top-level `.git` and `node_modules` (always, whether present or not), the
   * `--audit-ignore` globs as given, then the excluded directories (the report
   * directory): workspace-relative when inside the workspace, absolute when not.
   * Nothing else is out of scope: a `.git` or `node_modules` deeper down is audited.
   */
  excluded: string[];
  /**
   * One line per bound the audit hit while accounting (empty when none): at a
   * bound, what could not be proven became a violation, never explained.
   */
  boundsHit: string[];
  /** What the scans could not read (not vanished): each weakens the proof, one line each. */
  unreadable: string[];
  /** The manifest after the batch (for the artifacts of each run dir). */
  after: Manifest;
}

export interface Auditor {
  begin(): Promise<void>;
  /** `ownBatchId`: this batch's ledger entry in <runsDir>/.batches/ (the others' run dirs are theirs). */
  finish(sleeves: readonly AccountedSleeve[], ownBatchId?: string): Promise<AuditOutcome>;
  /** Stops the watcher without a verdict (the batch never started). */
  abort(): Promise<void>;
}

/** Run ids that other runners recorded in <runsDir>/.batches/<batchId>.json. */
function readOtherBatches(workspace: string, runsDir: string, own: string | undefined): Set<string> {
  const ids = new Set<string>();
  const dir = path.join(workspace, runsDir, '.batches');
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return ids;
  }
  for (const name of names) {
    if (!name.endsWith('.json') || name === `${own}.json`) continue;
    try {
      const entry = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { runIds?: unknown };
      if (Array.isArray(entry.runIds)) for (const id of entry.runIds) if (typeof id === 'string') ids.add(id);
    } catch {
      // a ledger entry being written, or not one of ours: nothing to learn from it
    }
  }
  return ids;
}

/** What an audit with these options leaves out of scope (see AuditOutcome.excluded). */
export function excludedFromAudit(opts: Pick<AuditorOptions, 'workspace' | 'ignore' | 'excludeAbs'>): string[] {
  const out = [...TOP_LEVEL_IGNORED, ...opts.ignore];
  for (const abs of opts.excludeAbs) {
    const rel = path.relative(opts.workspace, abs);
    const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    out.push(inside ? rel.split(path.sep).join('/') : abs);
  }
  return [...new Set(out)];
}

export function createAuditor(opts: AuditorOptions): Auditor {
  let before: Manifest | undefined;
  let watcher: Watcher | undefined;
  let startedMs = 0;
  const scan = () => scanWorkspace({ workspace: opts.workspace, ignore: opts.ignore, excludeAbs: opts.excludeAbs, protect: opts.protect, hash: opts.hash });
  return {
    async begin() {
      startedMs = Date.now();
      before = scan();
      if (opts.watch) {
        const bases = opts.protect.map((g) => patternBase(g)).filter((b) => b !== '' && b !== '.');
        const protectedDirs = [...bases.filter((b) => before?.entries.get(b)?.startsWith('dir\u0000'))];
        for (const [p, rec] of before.entries) {
          if (rec.startsWith('dir\u0000') && bases.some((b) => p.startsWith(`${b}/`))) protectedDirs.push(p);
        }
        watcher = startWatcher({
          workspace: opts.workspace,
          ignore: opts.ignore,
          excludeAbs: opts.excludeAbs,
          protect: opts.protect,
          protectedDirs,
          ...(opts.runsDir === undefined ? {} : { runsDir: opts.runsDir }),
        });
        await watcher.ready;
      }
    },
    async finish(sleeves, ownBatchId) {
      const after = scan();
      const otherBatchRunIds = readOtherBatches(opts.workspace, opts.runsDir ?? DEFAULT_RUNS_DIR, ownBatchId);
      const base = before ?? { entries: new Map(), hashed: 0, withSkipped: new Set<string>(), unreadable: new Map<string, string>() };
      const unreadable = new Map([...base.unreadable, ...after.unreadable]);
      const changes = diffManifests(base, after);
      const account = (firstSeen: (rel: string) => number | undefined) =>
        accountChangesBounded(changes, {
          workspace: opts.workspace,
          sleeves,
          sys: createNodeSys(undefined, () => opts.workspace),
          firstSeen,
          otherBatchRunIds,
          ...(opts.runsDir === undefined ? {} : { runsDir: opts.runsDir }),
        });
      // The watcher only dates changes that nothing else explains (a sleeve in the OS layer writing without
      // its guard's reports). A first pass finds whether any change needs a date; only then does the watcher
      // get a moment to deliver its last events before the pass that uses them.
      let dated = false;
      if (watcher && changes.length > 0) {
        account(() => {
          dated = true;
          return undefined;
        });
      }
      if (dated) await new Promise((r) => setTimeout(r, 150));
      await watcher?.close();
      const { violations, boundsHit } = account((rel) => watcher?.firstSeen(rel, startedMs));
      return {
        violations,
        filesChecked: Math.max(base.entries.size, after.entries.size),
        hashed: base.hashed + after.hashed,
        changed: changes.length,
        watcherEvents: watcher?.events().length ?? 0,
        watcherOverflow: watcher?.overflow() ?? false,
        excluded: excludedFromAudit(opts),
        unreadable: [...unreadable]
          .slice(0, 100)
          .map(([p, code]) => `the auditor could not read ${p === '' ? 'the workspace' : p} (${code}): what lies below it was not compared`),
        boundsHit: watcher?.overflow()
          ? [
              ...boundsHit,
              'the watcher overflowed (its event or watch cap, or a watcher error): later changes may have no time and name every sleeve running as a suspect',
            ]
          : boundsHit,
        after,
      };
    },
    async abort() {
      await watcher?.close();
    },
  };
}
