/**
 * How a sleeve process is started: the file the runner spawns, its argv, its
 * environment and what it gets on its stdin. Pure, so the two ways are data a test
 * can read:
 *
 * - inside the OS layer: bubblewrap, its options on its stdin (`--args 0`: the
 *   environment values never appear on a command line that `ps` shows; the
 *   sleeve then finds its stdin at EOF, as it would /dev/null), the sandbox's
 *   own command after `--`, an empty environment of its own;
 * - without it: a shell that turns core dumps off, drops the variables the
 *   shell adds, and then becomes the program, through `setpriv --pdeathsig
 *   KILL` where util-linux has it, so that the kernel kills the sleeve the
 *   moment the runner dies, busy or not (a timer inside the sleeve, the
 *   fallback, never fires in a busy loop).
 */
import type { OsLayerPlan } from '../../policies/os-layer.js';

export interface Launch {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Written to the child's stdin, then closed (bubblewrap's --args 0); the sleeve then reads EOF there, as from /dev/null. */
  stdin?: Buffer;
  /** The exit status comes through bubblewrap, which reports a death by signal N as exit 128+N. */
  relayedExit: boolean;
}

/** Variables a POSIX shell adds to what it runs. */
const SHELL_VARS = ['PWD', 'OLDPWD', 'SHLVL', '_'];

export function plainLaunch(program: string, argv: readonly string[], env: Readonly<Record<string, string>>, tools: { sh?: string; setpriv?: string }): Launch {
  if (!tools.sh) return { file: program, args: [...argv], env: { ...env }, relayedExit: false };
  // NODE_V8_COVERAGE too, when the runner has it and the sleeve's env does not (Node adds it to every child).
  const unset = [...SHELL_VARS, 'NODE_V8_COVERAGE'].filter((k) => !Object.hasOwn(env, k));
  const pdeath = tools.setpriv ? `"${tools.setpriv}" --pdeathsig KILL -- ` : '';
  const script = `ulimit -c 0 2>/dev/null; unset ${unset.join(' ')}; exec ${pdeath}"$0" "$@"`;
  return { file: tools.sh, args: ['-c', script, program, ...argv], env: { ...env }, relayedExit: false };
}

export function osLayerLaunch(bwrap: string, plan: OsLayerPlan): Launch {
  const stdin = Buffer.from(plan.options.map((o) => `${o}\0`).join(''), 'utf8');
  return { file: bwrap, args: ['--args', '0', '--', ...plan.command], env: {}, stdin, relayedExit: true };
}
