/**
 * The workspace fingerprint a step needs: a digest of the lakehouse (every
 * file's workspace-relative path and sha256), the lockfile, and the step's
 * own code (every file under its source paths). The submitter computes it on
 * its workspace; a worker computes the same over its replica and refuses a
 * job whose fingerprint differs, naming the part that differs, so no sleeve
 * ever runs over different data or code. Links are hashed as their target
 * text, never followed; `node_modules` under a source path is left out (the
 * lockfile stands for it).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Fingerprint } from './wire.js';

export const LAKEHOUSE_DIR = 'data/lakehouse';
export const LOCKFILE = 'package-lock.json';

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every file under `rel` (a file or directory) as "path\0sha256" lines, sorted; missing is empty. */
function listHashed(workspace: string, rel: string, out: string[]): void {
  const abs = path.join(workspace, rel);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) out.push(`${rel}\0link:${fs.readlinkSync(abs)}`);
  else if (st.isFile()) out.push(`${rel}\0${sha256(fs.readFileSync(abs))}`);
  else if (st.isDirectory()) {
    for (const name of fs.readdirSync(abs).sort()) {
      if (name === 'node_modules' || name === '__pycache__') continue;
      listHashed(workspace, `${rel}/${name}`, out);
    }
  }
}

function digestOf(workspace: string, rels: readonly string[]): { files: number; digest: string } {
  const lines: string[] = [];
  for (const r of rels) listHashed(workspace, r, lines);
  lines.sort();
  return { files: lines.length, digest: sha256(lines.join('\n')) };
}

/** The fingerprint of `workspace` for a step whose code lives under `sources` (workspace-relative). */
export function fingerprintOf(workspace: string, sources: readonly string[]): Fingerprint {
  const lakehouse = { dir: LAKEHOUSE_DIR, ...digestOf(workspace, [LAKEHOUSE_DIR]) };
  let lock: string | null = null;
  try {
    lock = sha256(fs.readFileSync(path.join(workspace, LOCKFILE)));
  } catch {
    lock = null;
  }
  const src = { paths: [...sources], ...digestOf(workspace, sources) };
  const digest = sha256(JSON.stringify([lakehouse.digest, lock, src.digest, src.paths]));
  return { digest, lakehouse, lockfile: { file: LOCKFILE, sha256: lock }, sources: src };
}

/** Why a replica's fingerprint differs from the job's (each differing part), or undefined when equal. */
export function fingerprintMismatch(want: Fingerprint, have: Fingerprint): string | undefined {
  if (want.digest === have.digest) return undefined;
  const parts: string[] = [];
  if (want.lakehouse.digest !== have.lakehouse.digest)
    parts.push(
      `the lakehouse ${want.lakehouse.dir} differs (job: ${want.lakehouse.files} files, ${want.lakehouse.digest.slice(0, 12)}; this replica: ${have.lakehouse.files} files, ${have.lakehouse.digest.slice(0, 12)})`,
    );
  if (want.lockfile.sha256 !== have.lockfile.sha256)
    parts.push(
      `the lockfile ${want.lockfile.file} differs (job: ${want.lockfile.sha256?.slice(0, 12) ?? 'none'}; this replica: ${have.lockfile.sha256?.slice(0, 12) ?? 'none'})`,
    );
  if (want.sources.digest !== have.sources.digest)
    parts.push(`the sleeve's sources (${want.sources.paths.join(', ')}) differ (job: ${want.sources.files} files; this replica: ${have.sources.files} files)`);
  return parts.length > 0 ? parts.join('; ') : 'the fingerprint digest differs';
}
