/**
 * The sleeve-sandbox command line. Parses argv with commander, lazily imports
 * one command module, and is the only place that sets the exit code. Commands
 * are `async (options) => exitCode` functions that throw typed errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, type SleeveSandboxError, isSleeveSandboxError } from '../policies/errors.js';

const packageJson = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8'),
) as { version: string };

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function workspaceOption(): Option {
  return new Option('-w, --workspace <dir>', 'workspace root (policies/<name>.json there overrides a built-in)').default(
    undefined,
    'the current directory',
  );
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('sleeve-sandbox')
    .description('Run pipeline sleeves in parallel, each confined by a declared policy.')
    .version(packageJson.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const policy = program
    .command('policy')
    .description('Lint, explain, check and describe policy files')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  policy
    .command('lint')
    .description('Validate policy files and warn about risky rules (exit 2 on errors; 1 on warnings with --strict)')
    .argument('<files...>', 'policy files or names')
    .option('--strict', 'treat warnings as failures (exit 1)', false)
    .addOption(workspaceOption())
    .option('--json', 'print the diagnostics as JSON', false)
    .exitOverride()
    .action(async (files: string[], opts: { strict: boolean; workspace?: string; json: boolean }) => {
      const { lintCommand } = await import('./commands/policy/lint.js');
      setExit(await lintCommand({ files, ...opts, workspace: path.resolve(io.cwd, opts.workspace ?? '.') }, io));
    });

  policy
    .command('explain')
    .description('Print the effective policy (after extends) in plain words')
    .argument('<policy>', 'policy name or path')
    .addOption(workspaceOption())
    .option('--json', 'print the effective policy as JSON', false)
    .exitOverride()
    .action(async (ref: string, opts: { workspace?: string; json: boolean }) => {
      const { explainCommand } = await import('./commands/policy/explain.js');
      setExit(await explainCommand({ ref, json: opts.json, workspace: path.resolve(io.cwd, opts.workspace ?? '.') }, io));
    });

  policy
    .command('check')
    .description('Decide one operation: exit 0 when allowed, 3 when denied')
    .argument('<policy>', 'policy name or path')
    .addArgument(new Command().createArgument('<op>', 'read or write').choices(['read', 'write']))
    .argument('<path>', 'path to decide on, relative to the workspace or absolute')
    .option('--run-id <id>', 'run id for {runDir} and {runId}', 'check')
    .addOption(workspaceOption())
    .option('--json', 'print the decision as JSON', false)
    .exitOverride()
    .action(async (ref: string, op: 'read' | 'write', target: string, opts: { runId: string; workspace?: string; json: boolean }) => {
      const { checkCommand } = await import('./commands/policy/check.js');
      setExit(
        await checkCommand({ ref, op, target, runId: opts.runId, json: opts.json, workspace: path.resolve(io.cwd, opts.workspace ?? '.') }, io),
      );
    });

  policy
    .command('schema')
    .description('Print the JSON Schema of policy files (generated from the zod schema)')
    .exitOverride()
    .action(async () => {
      const { schemaCommand } = await import('./commands/policy/schema.js');
      setExit(await schemaCommand(io));
    });

  return program;
}

function errorToJson(error: SleeveSandboxError): Record<string, unknown> {
  const out: Record<string, unknown> = { code: error.code, exitCode: error.exitCode, message: error.message };
  if ('diagnostics' in error) out.diagnostics = (error as { diagnostics: unknown }).diagnostics;
  return out;
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    const json = argv.includes('--json');
    if (isSleeveSandboxError(error)) {
      io.stderr(`sleeve-sandbox: ${error.message}\n`);
      if (json) io.stdout(`${JSON.stringify({ error: errorToJson(error) }, null, 2)}\n`);
      return error.exitCode;
    }
    io.stderr(`sleeve-sandbox: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { code: 'EINTERNAL', message: String((error as Error)?.message ?? error) } })}\n`);
    return 70;
  }
}
