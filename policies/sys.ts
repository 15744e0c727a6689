/**
 * The IO the policy code needs, passed in: real in the CLI and the sandbox,
 * faked in unit tests. Nothing under policies/ touches node:fs except
 * `createNodeSys`, which is the real implementation.
 */
export type FileKind = 'file' | 'dir' | 'symlink' | 'other';

export interface Sys {
  /** The directory relative paths are resolved against. */
  cwd(): string;
  /** realpath(3): throws an error with `.code` (ENOENT, ENOTDIR, ELOOP, EACCES, ...). */
  realpath(path: string): string;
  /** lstat(2) kind, or undefined when nothing is there (ENOENT/ENOTDIR). */
  lstat(path: string): FileKind | undefined;
  readlink(path: string): string;
  readdir(path: string): Array<{ name: string; kind: FileKind }>;
  readFile(path: string): string;
  /** Size of a file, or the entry count of a directory; undefined when missing. */
  sizeOf(path: string): number | undefined;
  /** True on file systems that fold case (macOS, Windows defaults). */
  readonly caseInsensitive: boolean;
}

/**
 * A Sys that reads nothing: every path is its own real path and nothing
 * exists. For deciding on paths that are already real and absolute
 * (`decideResolved`), where no IO may happen (policy diff, tests).
 */
export function emptySys(cwd = '/'): Sys {
  return Object.freeze({
    cwd: () => cwd,
    realpath: (p: string) => p,
    lstat: () => undefined,
    readlink: () => '',
    readdir: () => [],
    readFile: () => '',
    sizeOf: () => undefined,
    caseInsensitive: false,
  });
}
