/**
 * `policy fmt [files...] [--check]`: puts policy files and policy test files in
 * their one canonical form (policies/format.ts). Without --check, each file
 * that changes is replaced atomically (a temp file in its directory, then a
 * rename); with --check nothing is written and exit 1 names each file that is
 * not canonical. A file that does not load is never rewritten: exit 2 with its
 * diagnostics.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EXIT, PolicyError, UsageError, formatDiagnostic } from '../../../policies/errors.js';
import type { Diagnostic } from '../../../policies/errors.js';
import { firstDifference, formatSource } from '../../../policies/format.js';
import type { Io } from '../../io.js';
import { escapeControl } from '../../escape.js';
import { filesIn } from './shared.js';

export interface FmtOptions {
  files: string[];
  check: boolean;
  workspace: string;
  json: boolean;
}

type Status = 'unchanged' | 'formatted' | 'not-canonical' | 'error';

interface FileOutcome {
  file: string;
  status: Status;
  diagnostics?: Diagnostic[];
  hint?: string;
}

/** The policies and test files of `<workspace>/policies/` (not its JSON Schemas), sorted. */
export function workspacePolicyFiles(workspace: string): string[] {
  return filesIn(path.join(workspace, 'policies'), (n) => n.endsWith('.json') && !n.endsWith('.schema.json'));
}

/** Replaces the file's contents atomically: a new file beside it (same mode), then a rename over it. */
function writeAtomically(file: string, text: string): void {
  const real = fs.realpathSync(file);
  const mode = fs.statSync(real).mode & 0o7777;
  const temp = path.join(path.dirname(real), `.${path.basename(real)}.fmt-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, text);
      fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, real);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

export async function fmtCommand(opts: FmtOptions, io: Io): Promise<number> {
  const files = opts.files.length > 0 ? opts.files.map((f) => path.resolve(io.cwd, f)) : workspacePolicyFiles(opts.workspace);
  if (files.length === 0) {
    throw new UsageError(`no policy files: none given and no *.json in ${path.join(opts.workspace, 'policies')}; pass the files to format`);
  }
  const display = (file: string) => {
    const rel = path.relative(io.cwd, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  };
  const outcomes: FileOutcome[] = [];
  for (const file of [...new Set(files)]) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const d: Diagnostic = {
        file,
        line: 1,
        column: 1,
        jsonPath: '',
        level: 'error',
        message: `cannot read the file (${code}): check that it exists and is a readable file`,
      };
      outcomes.push({ file, status: 'error', diagnostics: [d] });
      continue;
    }
    let result: ReturnType<typeof formatSource>;
    try {
      result = formatSource(file, text);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      outcomes.push({ file, status: 'error', diagnostics: [...error.diagnostics] });
      continue;
    }
    if (!result.changed) outcomes.push({ file, status: 'unchanged' });
    else if (opts.check) outcomes.push({ file, status: 'not-canonical', hint: firstDifference(display(file), text, result.text) });
    else {
      try {
        writeAtomically(file, result.text);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        const d: Diagnostic = {
          file,
          line: 1,
          column: 1,
          jsonPath: '',
          level: 'error',
          message: `cannot rewrite the file (${code}): its directory must be writable (the new text is written beside it, then renamed over it)`,
        };
        outcomes.push({ file, status: 'error', diagnostics: [d] });
        continue;
      }
      outcomes.push({ file, status: 'formatted' });
    }
  }
  const count = (s: Status) => outcomes.filter((o) => o.status === s).length;
  const exitCode = count('error') > 0 ? EXIT.usage : count('not-canonical') > 0 ? EXIT.sleeveFailed : EXIT.ok;
  if (opts.json) {
    io.stdout(`${JSON.stringify({ exitCode, check: opts.check, files: outcomes }, null, 2)}\n`);
    return exitCode;
  }
  for (const o of outcomes) {
    const shown = escapeControl(display(o.file));
    if (o.status === 'error') for (const d of o.diagnostics ?? []) io.stdout(`${escapeControl(formatDiagnostic({ ...d, file: display(d.file) }))}\n`);
    else if (o.status === 'formatted') io.stdout(`formatted ${shown}\n`);
    else if (o.status === 'not-canonical') {
      io.stdout(`${shown}: not in canonical form; run "sleeve-sandbox policy fmt ${shown}"\n`);
      io.stdout(`${(o.hint ?? '').split('\n').map(escapeControl).join('\n')}\n`);
    }
  }
  const parts = [
    opts.check ? `${count('not-canonical')} not canonical` : `${count('formatted')} formatted`,
    `${count('unchanged')} already canonical`,
    ...(count('error') > 0 ? [`${count('error')} not loaded (left as they are)`] : []),
  ];
  io.stderr(`policy fmt${opts.check ? ' --check' : ''}: ${outcomes.length} file(s): ${parts.join(', ')}\n`);
  return exitCode;
}
