/**
 * What a command may touch of the process it runs in, passed in by the
 * composition root (runner/bin.ts for the real process, tests for an
 * in-process run through `main(argv, io)`): output, the working directory,
 * the environment, and signals. Commands never read `process.*` for these.
 */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The stderr stream (for live progress on a TTY). */
  stderrStream?: NodeJS.WriteStream;
  /** Registers a SIGINT/SIGTERM handler; returns its remover. */
  onSignal?: (handler: (signal: string) => void) => () => void;
}
