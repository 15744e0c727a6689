/**
 * The sleeve-sandbox command line. Parses argv with commander, lazily imports
 * one command module, and is the only place that sets the exit code. Commands
 * are `async (options) => exitCode` functions that throw typed errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, type SleeveSandboxError, isSleeveSandboxError } from '../policies/errors.js';
import type { Io } from './io.js';

const packageJson = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as {
  version: string;
};

export type { Io } from './io.js';

function positiveInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected ${name} to be a whole number >= 1, got ${JSON.stringify(value)}`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected ${name} to be a number > 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function workspaceOption(defaultText = 'the current directory'): Option {
  return new Option('-w, --workspace <dir>', 'workspace root (policies/<name>.json there overrides a built-in)').default(undefined, defaultText);
}

function wholeNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`expected ${name} to be a whole number >= 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('sleeve-sandbox')
    .description('Run pipeline sleeves in parallel, each confined by a declared policy.')
    .version(packageJson.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('run')
    .description('Run sleeves in parallel, each in its own process, confined by a policy')
    .option('-p, --policy <name|path>', 'policy for sleeves that do not name their own (e.g. strict)')
    .addOption(workspaceOption("the manifest's directory, else the current directory"))
    .option(
      '-m, --manifest <file>',
      'sleeve manifest (JSON; default: sleeve-manifest.json here or in a parent, up to a .git boundary, when no --sleeve is given)',
    )
    .option('-s, --sleeve <NAME=ENTRY>', 'a sleeve to run (repeatable); ENTRY is relative to the workspace', collect)
    .option('-c, --concurrency <n>', 'sleeves at once (default: os.availableParallelism())', positiveInt('--concurrency'))
    .option(
      '--warm <n>',
      'sleeves whose sandboxed process is started ahead of their turn, set up and waiting for "go" (default: the cores the concurrency leaves idle; 0: none)',
      wholeNumber('--warm'),
    )
    .option('--timeout <seconds>', "per-sleeve wall-clock limit (the lower of this and the policy's wins)", positiveNumber('--timeout'))
    .option('--memory <MiB>', "per-sleeve heap limit (the lower of this and the policy's wins)", positiveInt('--memory'))
    .option(
      '--mode <mode>',
      'process (the default) or isolate: run sleeve code in a V8 isolate with no Node API (a policy or manifest that asks for isolate wins)',
    )
    .option(
      '--os-layer <setting>',
      'required, auto (the default) or off: the bubblewrap sandbox around each sleeve (the strictest of this, the manifest and the policy wins)',
    )
    .option('--report-dir <dir>', 'where reports go (default: <workspace>/reports/<batch id>)')
    .option(
      '--runs-dir <dir>',
      'run root relative to the workspace: each sleeve writes <dir>/<run id>, its {runDir} (default: the manifest\'s "runsDir", else runs)',
    )
    .option('--log-limit <MiB>', "cap of each sleeve's stdout and stderr log", positiveNumber('--log-limit'), 64)
    .option('--json', 'print a machine-readable summary on stdout at the end', false)
    .option('--no-audit', 'skip the auditor (no before/after manifest, no watcher)')
    .option('--no-hash', 'do not hash protected files (faster on a large lakehouse)')
    .option('--audit-ignore <glob>', 'workspace-relative glob the auditor leaves out (repeatable)', collect)
    .option(
      '--cpus <n>',
      "CPUs the sleeves share; each takes its policy's resources.cpus (default 1) (default: os.availableParallelism())",
      positiveNumber('--cpus'),
    )
    .option(
      '--memory-total <MiB>',
      "memory the sleeves share; each takes its policy's resources.memoryMiB (default 3072) (default: the machine's less 10%, at least 1 GiB)",
      positiveInt('--memory-total'),
    )
    .option('--export <format>', 'zip: after the audit, one zip per run dir')
    .option('--export-dir <dir>', 'where the zips go (default: <report dir>/artifacts)')
    .option('--export-limit <MiB>', 'cap on the bytes of files exported (default: 1024)', positiveNumber('--export-limit'))
    .option(
      '-q, --queue <url>',
      'run the sleeves on workers through Redis: redis://[user:password@]HOST:PORT[/db], rediss:// (TLS), or "env" for $SLEEVE_SANDBOX_REDIS_URL',
    )
    .option(
      '--artifact-limit <MiB>',
      "with --queue: cap on each sleeve's zipped run dir and its unpacked files (default: 1024)",
      positiveNumber('--artifact-limit'),
    )
    .option('--queue-lost <seconds>', 'with --queue: Redis silent this long mid-batch stops the batch (default: 30)', positiveNumber('--queue-lost'))
    .exitOverride()
    .action(async (opts: Record<string, unknown>) => {
      const { runCommand } = await import('./commands/run.js');
      setExit(
        await runCommand(
          {
            policy: opts.policy as string | undefined,
            workspace: opts.workspace as string | undefined,
            manifest: opts.manifest as string | undefined,
            sleeve: opts.sleeve as string[] | undefined,
            concurrency: opts.concurrency as number | undefined,
            warm: opts.warm as number | undefined,
            timeout: opts.timeout as number | undefined,
            memory: opts.memory as number | undefined,
            mode: opts.mode as string | undefined,
            osLayer: opts.osLayer as string | undefined,
            reportDir: opts.reportDir as string | undefined,
            runsDir: opts.runsDir as string | undefined,
            json: opts.json === true,
            logLimitMiB: opts.logLimit as number,
            audit: opts.audit !== false,
            hash: opts.hash !== false,
            auditIgnore: (opts.auditIgnore as string[] | undefined) ?? [],
            cpus: opts.cpus as number | undefined,
            memoryTotal: opts.memoryTotal as number | undefined,
            export: opts.export as string | undefined,
            exportDir: opts.exportDir as string | undefined,
            exportLimitMiB: opts.exportLimit as number | undefined,
            queue: opts.queue as string | undefined,
            artifactLimitMiB: opts.artifactLimit as number | undefined,
            queueLostSeconds: opts.queueLost as number | undefined,
          },
          {
            ...io,
            stderrStream: io.stderrStream ?? process.stderr,
            onSignal: io.onSignal ?? (() => () => {}),
          },
        ),
      );
    });

  program
    .command('init')
    .description(
      'Scaffold a workspace (lakehouse placeholder, policy and its tests, manifest, a typed TypeScript sleeve, README) that run accepts with no flags',
    )
    .argument('[dir]', 'where (default: the current directory); created when missing')
    .option('--force', 'init into a non-empty directory (an existing file is still never overwritten)', false)
    .option('--policy-name <name>', 'name of the workspace policy (policies/<name>.json, extends strict)', 'sleeves')
    .option('--json', 'print what was written as JSON', false)
    .exitOverride()
    .action(async (dir: string | undefined, opts: { force: boolean; policyName: string; json: boolean }) => {
      const { initCommand } = await import('./commands/init.js');
      setExit(await initCommand({ ...(dir === undefined ? {} : { dir }), force: opts.force, policyName: opts.policyName, json: opts.json }, io));
    });

  const runs = program.command('runs').description('Manage run dirs and reports').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  runs
    .command('clean')
    .description('Remove all but the N most recent batches (run dirs, report dir, ledger); refused while a batch runs')
    .requiredOption('--keep <n>', 'batches to keep (the most recent)', wholeNumber('--keep'))
    .addOption(workspaceOption('the directory of the manifest found from here, else the current directory'))
    .option('--runs-dir <dir>', 'the run root (default: <workspace>/runs)')
    .option('--dry-run', 'list what would go; remove nothing', false)
    .option('--json', 'print the result as JSON', false)
    .exitOverride()
    .action(async (opts: { keep: number; workspace?: string; runsDir?: string; dryRun: boolean; json: boolean }) => {
      const { runsCleanCommand } = await import('./commands/runs-clean.js');
      setExit(
        await runsCleanCommand(
          {
            keep: opts.keep,
            dryRun: opts.dryRun,
            json: opts.json,
            ...(opts.workspace === undefined ? {} : { workspace: opts.workspace }),
            ...(opts.runsDir === undefined ? {} : { runsDir: opts.runsDir }),
          },
          io,
        ),
      );
    });

  // --- queue (runner/queue/): workers on Redis ---
  program
    .command('worker')
    .description('Take sleeve jobs from a BullMQ queue on Redis and run each over this workspace replica, in the sandbox a local run uses')
    .option('-q, --queue <url>', `redis://[user:password@]HOST:PORT[/db] or rediss:// (TLS); default: $SLEEVE_SANDBOX_REDIS_URL`)
    .addOption(workspaceOption())
    .option('-c, --concurrency <n>', 'jobs at once (default 1)', positiveInt('--concurrency'))
    .option('--cpus <n>', "CPUs each job's sleeve may take (default: os.availableParallelism())", positiveNumber('--cpus'))
    .option('--memory-total <MiB>', "memory each job's sleeve may take (default: the machine's less 10%)", positiveInt('--memory-total'))
    .option('--artifact-limit <MiB>', 'cap on a zipped run dir sent back through Redis (default 64)', positiveNumber('--artifact-limit'))
    .option('--id <id>', 'worker id in reports (default: <host>-<pid>-<hex>)')
    .option(
      '--lock-duration <ms>',
      "BullMQ's job lock: a worker that stops renewing it for this long is taken as dead (default 30000)",
      positiveInt('--lock-duration'),
    )
    .option('--stalled-interval <ms>', 'how often this worker looks for stalled jobs (default 30000)', positiveInt('--stalled-interval'))
    .exitOverride()
    .action(async (opts: Record<string, unknown>) => {
      const { workerCommand } = await import('./commands/worker.js');
      setExit(
        await workerCommand(
          {
            queue: opts.queue as string | undefined,
            workspace: opts.workspace as string | undefined,
            concurrency: opts.concurrency as number | undefined,
            cpus: opts.cpus as number | undefined,
            memoryTotal: opts.memoryTotal as number | undefined,
            artifactLimitMiB: opts.artifactLimit as number | undefined,
            id: opts.id as string | undefined,
            lockDurationMs: opts.lockDuration as number | undefined,
            stalledIntervalMs: opts.stalledInterval as number | undefined,
          },
          io,
        ),
      );
    });
  // --- end queue ---

  program
    .command('doctor')
    .description('Show the Node version, its permission model and missing fixes, bubblewrap, and the layers run will use')
    .option('--json', 'print the findings as JSON', false)
    .option(
      '--queue <url>',
      'also check a queue: Redis reachable, maxmemory-policy, workers connected, jobs by state (redis://HOST:PORT, or env for SLEEVE_SANDBOX_REDIS_URL)',
    )
    .exitOverride()
    .action(async (opts: { json: boolean; queue?: string }) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      setExit(await doctorCommand({ json: opts.json, queue: opts.queue }, io, io.env));
    });

  program
    .command('vendor')
    .description('Bundle a pure package into one ES module file beside an isolate-mode sleeve (refused, exit 2, if it needs Node built-ins)')
    .argument('<package>', 'package name or subpath, installed in node_modules (e.g. zod)')
    .requiredOption('--into <dir>', 'where the bundle goes, e.g. sleeves/my-sleeve/vendor')
    .option('--from <dir>', 'resolve the package from this directory (default: the current directory)')
    .option('--json', 'print the result as JSON', false)
    .exitOverride()
    .action(async (pkg: string, opts: { into: string; from?: string; json: boolean }) => {
      const { vendorCommand } = await import('./commands/vendor.js');
      setExit(await vendorCommand({ pkg, into: opts.into, from: opts.from, json: opts.json }, io));
    });

  const audit = program.command('audit').description('Check audit reports').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  audit
    .command('verify')
    .description('Validate an audit.json against the published schema; exit 0 clean, 1 failed, 3 violations, 2 invalid')
    .argument('<audit.json>', 'the report to check')
    .option('--json', 'print the result as JSON', false)
    .addOption(
      new Option('--format <format>', 'text, json, sarif (the report as SARIF 2.1.0) or github (workflow annotations)').choices([
        'text',
        'json',
        'sarif',
        'github',
      ]),
    )
    .exitOverride()
    .action(async (file: string, opts: { json: boolean; format?: 'text' | 'json' | 'sarif' | 'github' }) => {
      const { auditVerifyCommand } = await import('./commands/audit.js');
      setExit(await auditVerifyCommand({ file, json: opts.json, format: opts.format }, io));
    });
  audit
    .command('schema')
    .description('Print the JSON Schema of audit.json (generated from the zod schema)')
    .exitOverride()
    .action(async () => {
      const { auditSchemaCommand } = await import('./commands/audit.js');
      setExit(await auditSchemaCommand(io));
    });

  const policy = program
    .command('policy')
    .description('Lint, explain, check, test, format and describe policy files')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  policy
    .command('lint')
    .description('Validate policy files and warn about risky rules (exit 2 on errors; 1 on warnings with --strict)')
    .argument('<files...>', 'policy files or names')
    .option('--strict', 'treat warnings as failures (exit 1)', false)
    .addOption(workspaceOption())
    .option('--runs-dir <dir>', 'the run root {runDir} lies in, relative to the workspace (default: runs)')
    .option('--json', 'print the diagnostics as JSON (same as --format json)', false)
    .addOption(
      new Option('--format <format>', 'text, json, sarif (SARIF 2.1.0) or github (workflow annotations; the default when GITHUB_ACTIONS=true)').choices([
        'text',
        'json',
        'sarif',
        'github',
      ]),
    )
    .exitOverride()
    .action(
      async (
        files: string[],
        opts: { strict: boolean; workspace?: string; json: boolean; format?: 'text' | 'json' | 'sarif' | 'github'; runsDir?: string },
      ) => {
        const { lintCommand } = await import('./commands/policy/lint.js');
        setExit(await lintCommand({ files, ...opts, workspace: path.resolve(io.cwd, opts.workspace ?? '.') }, io));
      },
    );

  policy
    .command('explain')
    .description('Print the effective policy (after extends) in plain words')
    .argument('<policy>', 'policy name or path')
    .addOption(workspaceOption())
    .option('--runs-dir <dir>', 'the run root {runDir} lies in, relative to the workspace (default: runs)')
    .option('--json', 'print the effective policy as JSON', false)
    .exitOverride()
    .action(async (ref: string, opts: { workspace?: string; json: boolean; runsDir?: string }) => {
      const { explainCommand } = await import('./commands/policy/explain.js');
      setExit(await explainCommand({ ref, json: opts.json, workspace: path.resolve(io.cwd, opts.workspace ?? '.'), runsDir: opts.runsDir }, io));
    });

  policy
    .command('check')
    .description('Decide one operation: exit 0 when allowed, 3 when denied')
    .argument('<policy>', 'policy name or path')
    .addArgument(new Command().createArgument('<op>', 'read or write').choices(['read', 'write']))
    .argument('<path>', 'path to decide on, relative to the workspace or absolute')
    .option('--run-id <id>', 'run id for {runDir} and {runId}', 'check')
    .option('--runs-dir <dir>', 'the run root {runDir} lies in, relative to the workspace (default: runs)')
    .addOption(workspaceOption())
    .option('--json', 'print the decision as JSON', false)
    .exitOverride()
    .action(async (ref: string, op: 'read' | 'write', target: string, opts: { runId: string; workspace?: string; json: boolean; runsDir?: string }) => {
      const { checkCommand } = await import('./commands/policy/check.js');
      setExit(
        await checkCommand(
          { ref, op, target, runId: opts.runId, runsDir: opts.runsDir, json: opts.json, workspace: path.resolve(io.cwd, opts.workspace ?? '.') },
          io,
        ),
      );
    });

  policy
    .command('diff')
    .description('Compare effective policies exactly: what the new one grants that the old did not (exit 3 with --fail-on widen)')
    .argument('<policies...>', '<old> <new> (names or paths), or with --base the policy files to compare with that revision')
    .option('--base <git-rev>', 'compare each file with its version at this git revision (absent there: a new policy)')
    .addOption(workspaceOption())
    .option('--examples <n>', 'example paths or names per difference', (v: string) => Number(v), 3)
    .option('--runs-dir <dir>', 'the run root {runDir} lies in, relative to the workspace (default: runs)')
    .option('--json', 'print the result as JSON (same as --format json)', false)
    .addOption(new Option('--format <format>', 'text, json or markdown (a PR comment)').choices(['text', 'json', 'markdown']).default('text'))
    .addOption(new Option('--fail-on <what>', 'exit 3 when anything widens').choices(['widen']))
    .exitOverride()
    .action(
      async (
        refs: string[],
        opts: { base?: string; workspace?: string; examples: number; json: boolean; format: 'text' | 'json' | 'markdown'; failOn?: 'widen'; runsDir?: string },
      ) => {
        const { diffCommand } = await import('./commands/policy/diff.js');
        const format = opts.json ? 'json' : opts.format;
        setExit(
          await diffCommand(
            {
              refs,
              ...(opts.base === undefined ? {} : { base: opts.base }),
              workspace: path.resolve(io.cwd, opts.workspace ?? '.'),
              examples: opts.examples,
              format,
              ...(opts.failOn ? { failOn: opts.failOn } : {}),
              ...(opts.runsDir === undefined ? {} : { runsDir: opts.runsDir }),
            },
            io,
          ),
        );
      },
    );

  policy
    .command('test')
    .description('Run policy tests (policies/<name>.test.json): exit 0 all pass, 1 a case failed, 2 a file or its policy does not load')
    .argument('[files...]', 'test files (default: every *.test.json in <workspace>/policies/)')
    .option('--builtin', "also run the built-in policies' own tests", false)
    .addOption(workspaceOption())
    .option('--runs-dir <dir>', 'the run root {runDir} lies in, relative to the workspace (default: runs)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--json', 'the same as --format json', false)
    .option('--junit <file>', 'also write a JUnit XML report (one testsuite per test file)')
    .exitOverride()
    .action(
      async (files: string[], opts: { builtin: boolean; workspace?: string; format: 'text' | 'json'; json: boolean; junit?: string; runsDir?: string }) => {
        const { testCommand } = await import('./commands/policy/test.js');
        const format = opts.json ? 'json' : opts.format;
        const workspace = path.resolve(io.cwd, opts.workspace ?? '.');
        setExit(
          await testCommand(
            { files, builtin: opts.builtin, workspace, format, runsDir: opts.runsDir, ...(opts.junit === undefined ? {} : { junit: opts.junit }) },
            io,
          ),
        );
      },
    );

  policy
    .command('fmt')
    .description('Put policy and policy test files in their canonical form (--check: exit 1 when one is not, nothing written; 2 when one does not load)')
    .argument('[files...]', 'files (default: the *.json of <workspace>/policies/, not its schema files)')
    .option('--check', 'write nothing; exit 1 when any file is not in canonical form', false)
    .addOption(workspaceOption())
    .option('--json', 'print the outcome per file as JSON', false)
    .exitOverride()
    .action(async (files: string[], opts: { check: boolean; workspace?: string; json: boolean }) => {
      const { fmtCommand } = await import('./commands/policy/fmt.js');
      setExit(await fmtCommand({ files, check: opts.check, json: opts.json, workspace: path.resolve(io.cwd, opts.workspace ?? '.') }, io));
    });

  policy
    .command('schema')
    .description('Print the JSON Schema of policy files (generated from the zod schema)')
    .option('--test', 'the JSON Schema of policy test files (*.test.json) instead', false)
    .exitOverride()
    .action(async (opts: { test: boolean }) => {
      const { schemaCommand } = await import('./commands/policy/schema.js');
      setExit(await schemaCommand(io, opts));
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
    const json = argv.includes('--json');
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      if (json) io.stdout(`${JSON.stringify({ error: { code: 'EUSAGE', exitCode: EXIT.usage, message: error.message } }, null, 2)}\n`);
      return EXIT.usage;
    }
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
