/**
 * `sleeve-sandbox init [dir]`: scaffolds a workspace that `run` accepts with
 * no flags (files: runner/init/scaffold.ts). It never overwrites: a non-empty
 * directory needs --force, and even then any file init would write that
 * already exists is refused (exit 2, naming it) before anything is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_POLICY_DIR, BUILTIN_POLICY_NAMES } from '../../policies/builtin.js';
import { UsageError } from '../../policies/errors.js';
import type { Io } from '../cli.js';
import { scaffoldFiles } from '../init/scaffold.js';

export interface InitOptions {
  dir?: string;
  force: boolean;
  policyName: string;
  json: boolean;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const PACKAGE_SCHEMA_DIR = ['node_modules', 'sleeve-sandbox', 'policies', 'schema'];

/**
 * The `$schema` of the policy files, as an editor resolves it from `<workspace>/policies/`:
 * relative to node_modules/sleeve-sandbox when the package is installed in the workspace or
 * a directory above it (it moves with the project), else the absolute path of this package's schema.
 */
export function schemaRefs(workspace: string, builtinDir: string = BUILTIN_POLICY_DIR): { policy: string; policyTest: string } {
  const from = path.join(workspace, 'policies');
  let dir = workspace;
  for (;;) {
    const schemaDir = path.join(dir, ...PACKAGE_SCHEMA_DIR);
    if (fs.existsSync(path.join(schemaDir, 'policy.schema.json'))) {
      const rel = (f: string) => path.relative(from, path.join(schemaDir, f)).split(path.sep).join('/');
      return { policy: rel('policy.schema.json'), policyTest: rel('policy-test.schema.json') };
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { policy: path.join(builtinDir, 'schema', 'policy.schema.json'), policyTest: path.join(builtinDir, 'schema', 'policy-test.schema.json') };
}

/** Whether the package, with its declarations, is installed in the workspace or a directory above it. */
export function packageTypesInstalled(workspace: string): boolean {
  for (let dir = workspace; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', 'sleeve-sandbox', 'dist', 'runner', 'api.d.ts'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

export async function initCommand(opts: InitOptions, io: Pick<Io, 'stdout' | 'stderr' | 'cwd'>): Promise<number> {
  if (!NAME_RE.test(opts.policyName))
    throw new UsageError(
      `--policy-name ${JSON.stringify(opts.policyName)}: expected a lower-case name of letters, digits, ".", "_" or "-", e.g. --policy-name my-sleeves`,
    );
  if ((BUILTIN_POLICY_NAMES as readonly string[]).includes(opts.policyName)) {
    throw new UsageError(
      `--policy-name ${opts.policyName}: that is a built-in policy's name; the workspace policy extends "strict" and would shadow it: pick another name`,
    );
  }
  const target = path.resolve(io.cwd, opts.dir ?? '.');
  const st = lstatOrUndefined(target);
  if (st && !st.isDirectory()) throw new UsageError(`${target} exists and is not a directory: give a new or empty directory to init`);
  if (st) {
    const entries = fs.readdirSync(target);
    if (entries.length > 0 && !opts.force) {
      const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', ...' : '');
      throw new UsageError(
        `${target} is not empty (${shown}): init into an empty directory, or pass --force to add the workspace files beside what is there (init never overwrites a file)`,
      );
    }
  }
  const files = scaffoldFiles({ policyName: opts.policyName, schemaRefs: schemaRefs(target), packageTypes: packageTypesInstalled(target) });
  // Every conflict is found before anything is written: nothing changes on a refusal.
  const conflicts: string[] = [];
  for (const f of files) {
    const abs = path.join(target, f.path);
    if (lstatOrUndefined(abs)) conflicts.push(`${abs} already exists`);
    let dir = path.dirname(abs);
    while (dir !== target && dir.startsWith(target)) {
      const d = lstatOrUndefined(dir);
      if (d && !d.isDirectory()) conflicts.push(`${dir} is not a directory (init needs it for ${f.path})`);
      dir = path.dirname(dir);
    }
  }
  if (conflicts.length > 0) {
    throw new UsageError(`init never overwrites: ${[...new Set(conflicts)].join('; ')}; move it away or init into another directory; nothing was written`);
  }
  const written: string[] = [];
  for (const f of files) {
    const abs = path.join(target, f.path);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, f.text, { flag: 'wx' });
    written.push(f.path);
  }
  if (opts.json) {
    io.stdout(`${JSON.stringify({ workspace: target, files: written, policy: opts.policyName }, null, 2)}\n`);
  } else {
    const rel = path.relative(io.cwd, target);
    io.stdout(
      `sleeve-sandbox: a workspace in ${target}:\n${written.map((w) => `  ${w}\n`).join('')}` +
        `next: ${rel === '' ? '' : `cd ${rel} && `}sleeve-sandbox run   (policy tests: sleeve-sandbox policy test)\n`,
    );
  }
  return 0;
}
