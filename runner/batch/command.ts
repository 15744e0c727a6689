/**
 * A command step (`"command": ["python3", "sleeves/momentum.py", ...]`): the
 * program it names and the code it brings, found before anything runs.
 *
 * The program is what the sandbox would run: a bare word is looked up on the
 * sleeve's own PATH (which its policy builds), but only in directories the
 * sandbox can see (the system paths the OS layer binds, or the step's code
 * directory); a word with a "/" is a path relative to the workspace. The code
 * directory is the directory of the first argument (or of the program) that
 * names a file in the workspace: the OS layer binds it read-only, as a Node
 * sleeve's own directory tree is its code. It may not be the workspace root or
 * hold the run dirs, which would hand the sleeve the workspace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../policies/errors.js';
import { isWithin } from '../../policies/patterns.js';
import { SYSTEM_PATHS } from '../../policies/os-layer.js';

export interface ResolvedCommand {
  /** Absolute program path as the sandbox runs it. */
  program: string;
  args: string[];
  /** Absolute directory bound read-only as the step's code; undefined when the command brings none. */
  codeDir: string | undefined;
}

export interface CommandFacts {
  workspace: string;
  runsDir: string;
  /** The sleeve's PATH (undefined when its policy passes none). */
  pathVar: string | undefined;
  where: string;
  isReadDenied: (file: string) => boolean;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function realOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

const SYSTEM_DIRS = SYSTEM_PATHS.filter((p) => !p.startsWith('/etc/'));

export function resolveCommand(command: readonly string[], facts: CommandFacts): ResolvedCommand {
  const [word, ...args] = command as [string, ...string[]];
  const inWorkspace = (p: string) => isWithin(p, facts.workspace) && p !== facts.workspace;
  // The code directory: the program's own, when it lives in the workspace, else the first argument naming a workspace file.
  let codeFile: string | undefined;
  for (const w of [word, ...args]) {
    if (w === word && !w.includes('/')) continue;
    const abs = path.resolve(facts.workspace, w);
    const real = realOrUndefined(abs);
    if (real !== undefined && inWorkspace(real) && fs.statSync(real).isFile()) {
      codeFile = real;
      break;
    }
  }
  const codeDir = codeFile === undefined ? undefined : path.dirname(codeFile);
  if (codeFile !== undefined && codeDir !== undefined) {
    if (codeDir === facts.workspace || isWithin(facts.runsDir, codeDir)) {
      throw new UsageError(
        `${facts.where}: ${path.relative(facts.workspace, codeFile)} lies in ${codeDir === facts.workspace ? 'the workspace root' : 'a directory that holds the run dirs'}; the OS layer binds a command's code directory read-only, so put the script in a directory of its own (e.g. sleeves/)`,
      );
    }
    if (facts.isReadDenied(codeFile))
      throw new UsageError(`${facts.where}: ${path.relative(facts.workspace, codeFile)} is named by a read-deny rule of its policy; a sleeve cannot run it`);
  }
  const visible = (real: string) => SYSTEM_DIRS.some((d) => isWithin(real, d)) || (codeDir !== undefined && isWithin(real, codeDir));
  if (word.includes('/')) {
    const abs = path.resolve(facts.workspace, word);
    const real = realOrUndefined(abs);
    if (real === undefined || !isExecutableFile(real)) throw new UsageError(`${facts.where}: command ${word} is not an executable file (looked at ${abs})`);
    if (!visible(real)) {
      throw new UsageError(
        `${facts.where}: command ${word} (${real}) would not exist inside the sandbox: use a program in /usr or a script in the step's own code directory`,
      );
    }
    return { program: abs, args, codeDir };
  }
  if (facts.pathVar === undefined) {
    throw new UsageError(
      `${facts.where}: command ${word} is a bare name but the sleeve has no PATH: pass PATH in the policy's env.pass or set it in env.set, or give the program's absolute path`,
    );
  }
  const searched: string[] = [];
  for (const dir of facts.pathVar.split(':')) {
    if (!dir.startsWith('/')) continue;
    const candidate = path.join(dir, word);
    const real = realOrUndefined(candidate);
    if (real === undefined || !isExecutableFile(real)) continue;
    if (!visible(real)) {
      searched.push(`${candidate} (outside the sandbox)`);
      continue;
    }
    return { program: candidate, args, codeDir };
  }
  throw new UsageError(
    `${facts.where}: command ${word} was not found on the sleeve's PATH inside the sandbox (${facts.pathVar})${searched.length > 0 ? `; skipped: ${searched.join(', ')}` : ''}; install it under /usr or give its path`,
  );
}
